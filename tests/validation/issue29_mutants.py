#!/usr/bin/env python3
"""Restores, one at a time, the behaviour each issue-29 fix removed, and runs the tests that
guard it: every mutant must make its tests fail (issue 29: "each defect has a test that
failed before the fix").

Usage, from the repository's root (19 minutes on 2 cores on 2026-12-07; every mutant is a rebuild):
    python3 tests/validation/issue29_mutants.py [MUTANT ...]
It works in a scratch git worktree of HEAD (its own target directory, seeded from ./target
when present) and removes it afterwards; the checkout is never touched. Prints one line per
mutant: the tests that failed and the tests that passed. Exit 1 if a mutant survives a test
listed as one that must catch it."""
import os, shutil, subprocess, sys, tempfile

def sub(root, path, old, new):
    p = os.path.join(root, path)
    s = open(p).read()
    if s.count(old) != 1:
        sys.exit(f"{path}: the text to mutate is not there once ({s.count(old)} times); update this script")
    open(p, "w").write(s.replace(old, new))

LIB, INT = ["--workspace", "--lib"], ["--test", "integration"]
# name: (what the pre-fix code did, edits, [(cargo test target, test name, must fail)])
MUTANTS = {
    "proposal": ("item 1: a move outside the prior redraws only the step, keeping the ancestor",
        [("crates/numerics/src/abc.rs", "                ancestor = pick(prev, total, &mut s);\n", "")],
        [(LIB, "importance_weights_are_right_next_to_a_prior_bound", True)]),
    "crn": ("item 2: the known-answer calibration conditions on one draw of the noise",
        [("tests/integration/search.rs",
          '.args(["--particles", "50", "--generations", "5", "--quiet", "--out"])',
          '.args(["--particles", "50", "--generations", "5", "--common-random-numbers", "--quiet", "--out"])')],
        [(INT, "search::calibration_recovers_known_parameters", False)]),
    "predictive": ("item 3: the predictive draws run on the base seed, as every particle did under CRN "
                   "(so they reproduce the accepted simulations)",
        [("crates/lab/src/command/calibrate/check.rs",
          "    (0..n).map(|i| key(&[seed, PREDICTIVE, i as u64])).collect()",
          "    (0..n).map(|_| seed).collect()")],
        [(LIB, "the_predictive_draws_run_on_seeds_the_search_never_used", True),
         (INT, "search::calibration_recovers_known_parameters", False)]),
    "distance": ("item 4: the relative error (s - v) / (tol |v|), every row weighing the same",
        [("crates/lab/src/command/calibrate/targets.rs",
          "    ((simulated + offset) / (value + offset)).ln() / tolerance.ln_1p()",
          "    (simulated - value) / (tolerance * value.abs())"),
         ("crates/lab/src/command/calibrate/targets.rs",
          "targets.iter().zip(simulated).map(|(t, &s)| t.weight * scaled_error(t, s).powi(2)).sum::<f64>().sqrt()",
          "(targets.iter().zip(simulated).map(|(t, &s)| scaled_error(t, s).powi(2)).sum::<f64>() / targets.len() as f64).sqrt()")],
        [(LIB, "the_distance_is_symmetric_in_the_ratio_and_weighs_groups_equally", True)]),
    "generation-zero": ("item 5: generation 0 keeps its failed draws",
        [("crates/numerics/src/abc.rs",
          "let kept: Vec<(Vec<f64>, f64)> = thetas.into_iter().zip(d).filter(|(_, d)| d.is_finite()).collect();",
          "let kept: Vec<(Vec<f64>, f64)> = thetas.into_iter().zip(d).collect();")],
        [(LIB, "generation_zero_keeps_no_failed_draws", True)]),
    "stopping": ("item 5: only the generation count stops a calibration",
        [("crates/lab/src/command/calibrate/mod.rs",
          "        let [.., prev, last] = gens else { return None };",
          "        let [.., prev, last] = gens else { return None };\n        if true { return None; }")],
        [(LIB, "experiment::calibrate::tests::stopping_rules", True)]),
    "duplicates": ("item 6: duplicate candidates are run again",
        [("crates/lab/src/command/optimize/mod.rs", "        let seen =\n            known.iter()",
          "        let seen = false &&\n            known.iter()")],
        [(LIB, "duplicates_are_not_run_again", True)]),
    "in-sample": ("item 6: the front is reported on the replicates it was selected on",
        [("crates/lab/src/command/optimize/holdout.rs", "    key(&[seed, 0x686f_6c64]) >> 1",
          "    let _ = key(&[seed, 0x686f_6c64]) >> 1;\n    seed")],
        [(INT, "search::a_front_point_file_reproduces_its_holdout_row", True)]),
}

def main():
    names = sys.argv[1:] or list(MUTANTS)
    repo = os.getcwd()
    scratch = tempfile.mkdtemp(prefix="narcodoor-mutants-")
    tree = os.path.join(scratch, "tree")
    subprocess.run(["git", "worktree", "add", "--detach", "-q", tree, "HEAD"], check=True)
    target = os.path.join(scratch, "target")
    if os.path.isdir(os.path.join(repo, "target")):
        subprocess.run(["cp", "-a", os.path.join(repo, "target"), target], check=True)
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    survived = []
    try:
        for name in names:
            what, edits, tests = MUTANTS[name]
            subprocess.run(["git", "checkout", "-q", "."], cwd=tree, check=True)
            for path, old, new in edits:
                sub(tree, path, old, new)
            failed, passed = [], []
            for target_args, test, must_fail in tests:
                r = subprocess.run(["cargo", "test", "--release", *target_args, "--", test],
                                   cwd=tree, env=env, capture_output=True, text=True)
                if "running 1 test" not in r.stdout:
                    sys.exit(f"{name}: {test} names no test or several; see\n{r.stdout}{r.stderr[-2000:]}")
                (failed if r.returncode else passed).append(test)
                if must_fail and not r.returncode:
                    survived.append((name, test))
            print(f"{name} ({what}): failed {failed or 'none'}; passed {passed or 'none'}", flush=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=repo)
        shutil.rmtree(scratch, ignore_errors=True)
    for name, test in survived:
        print(f"SURVIVED: mutant {name} passes {test}")
    sys.exit(1 if survived else 0)

if __name__ == "__main__":
    main()
