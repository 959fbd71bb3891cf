# Summarises paired timings read one pair per line, "<first seconds> <second seconds>", for
# benches/efficiency.sh and benches/compare_commits.sh: prints each pair with its ratio,
# then the median, minimum and maximum ratio and the median times as rates.
#
#   -v first=NAME -v second=NAME   what the two columns time ("1 thread", "old", ...)
#   -v ratio=efficiency            ratio = first / (2 × second)  (1 thread vs 2 threads)
#   -v ratio=new/old               ratio = second / first        (old commit vs new)
#   -v youth_months=N              youths × months of one run, for the rates
function median(a, k,   i, j, t) {
    for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
{
    k++; t1[k] = $1; t2[k] = $2
    r[k] = ratio == "efficiency" ? $1 / (2 * $2) : $2 / $1
    printf "pair %2d: %s %.3f s, %s %.3f s, %s %.3f\n", k, first, $1, second, $2, ratio, r[k]
}
END {
    lo = 1e9; hi = 0
    for (i = 1; i <= k; i++) { if (r[i] < lo) lo = r[i]; if (r[i] > hi) hi = r[i] }
    printf "%s: median %.3f (min %.3f, max %.3f) over %d pairs\n", ratio, median(r, k), lo, hi, k
    printf "median rate: %s %.1f M youth-months/s, %s %.1f M youth-months/s\n", first, youth_months / median(t1, k) / 1e6, second, youth_months / median(t2, k) / 1e6
}
