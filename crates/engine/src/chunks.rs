//! How a replicate's youths are cut into chunks, and the mutable views of each chunk.
//!
//! Chunks lie inside one region and start on a multiple of 64 within it, so two chunks
//! never share a word of a member bitmap or a byte of the network masks and can be given
//! to different threads without locks.

use std::ops::Range;

use rayon::prelude::*;

use narcodoor_model::state::{Layout, YouthChunk, Youths};

/// The largest chunk: large enough that scheduling costs nothing next to the work (about
/// 0.1 ms per chunk and pass), small enough to balance a few dozen threads.
pub const CHUNK: usize = 16_384;

/// The smallest chunk a population is cut into when it is small.
pub const MIN_CHUNK: usize = 1024;

/// A chunk size for `youths` youths on `threads` threads: about eight chunks per thread,
/// between `MIN_CHUNK` and `CHUNK`, a multiple of 64. Results do not depend on it.
pub fn chunk_size(youths: usize, threads: usize) -> usize {
    let target = youths / (8 * threads.max(1));
    (target.clamp(MIN_CHUNK, CHUNK) / 64) * 64
}

/// A chunk: region, first local index (a multiple of 64) and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkSpec {
    pub region: usize,
    pub local: usize,
    pub len: usize,
}

/// Cuts each region into chunks of `size` youths (a multiple of 64).
pub fn plan_chunks(region_sizes: &[usize], size: usize) -> Vec<ChunkSpec> {
    assert!(size > 0 && size % 64 == 0, "chunk size must be a positive multiple of 64");
    let mut out = Vec::new();
    for (r, &n) in region_sizes.iter().enumerate() {
        let mut local = 0;
        while local < n {
            let len = size.min(n - local);
            out.push(ChunkSpec { region: r, local, len });
            local += len;
        }
    }
    out
}

/// Splits `v` into the given ascending, disjoint ranges.
pub fn split_ranges<'a, T>(
    mut v: &'a mut [T],
    ranges: impl IntoIterator<Item = Range<usize>>,
) -> Vec<&'a mut [T]> {
    let mut out = Vec::new();
    let mut offset = 0;
    for r in ranges {
        let (_, rest) = v.split_at_mut(r.start - offset);
        let (mine, rest) = rest.split_at_mut(r.end - r.start);
        out.push(mine);
        v = rest;
        offset = r.end;
    }
    out
}

/// Runs `f` over the items, in parallel or not, returning results in item order.
pub fn map_items<I: Send, T: Send>(
    parallel: bool,
    items: Vec<I>,
    f: impl Fn(I) -> T + Sync + Send,
) -> Vec<T> {
    if parallel { items.into_par_iter().map(f).collect() } else { items.into_iter().map(f).collect() }
}

/// Mutable views of the youths of every chunk of `plan`, in plan order. It takes the
/// youths alone so that the other fields of the world stay borrowable meanwhile.
pub fn youth_chunks<'a>(youths: &'a mut Youths, layout: &Layout, plan: &[ChunkSpec]) -> Vec<YouthChunk<'a>> {
    let ranges: Vec<Range<usize>> = plan
        .iter()
        .map(|c| layout.start[c.region] + c.local..layout.start[c.region] + c.local + c.len)
        .collect();
    let mut age = split_ranges(&mut youths.age, ranges.iter().cloned()).into_iter();
    let mut status = split_ranges(&mut youths.status, ranges.iter().cloned()).into_iter();
    let mut cartel = split_ranges(&mut youths.cartel, ranges.iter().cloned()).into_iter();
    let mut months_left = split_ranges(&mut youths.months_left, ranges.iter().cloned()).into_iter();
    let mut flags = split_ranges(&mut youths.flags, ranges.iter().cloned()).into_iter();
    plan.iter()
        .zip(&ranges)
        .map(|(c, range)| YouthChunk {
            region: c.region,
            first_slot: range.start,
            first_local: c.local,
            age: age.next().expect("one per chunk"),
            status: status.next().expect("one per chunk"),
            cartel: cartel.next().expect("one per chunk"),
            months_left: months_left.next().expect("one per chunk"),
            flags: flags.next().expect("one per chunk"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_regions_on_word_boundaries() {
        let plan = plan_chunks(&[130, 64, 5], 64);
        let lens: Vec<(usize, usize, usize)> = plan.iter().map(|c| (c.region, c.local, c.len)).collect();
        assert_eq!(lens, vec![(0, 0, 64), (0, 64, 64), (0, 128, 2), (1, 0, 64), (2, 0, 5)]);
    }

    #[test]
    fn split_ranges_gives_disjoint_slices() {
        let mut v: Vec<u32> = (0..10).collect();
        let parts = split_ranges(&mut v, [1..3, 3..4, 7..10]);
        assert_eq!(
            parts.iter().map(|p| p.to_vec()).collect::<Vec<_>>(),
            vec![vec![1, 2], vec![3], vec![7, 8, 9]]
        );
    }
}
