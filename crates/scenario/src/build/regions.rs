//! `[[region]]` and `[[cartel]]` entries: names, head counts (counts, shares or equal
//! split), neighbours and territory, and the largest-remainder rules that turn shares into
//! head counts.

use std::collections::HashMap;

use super::super::error::{ErrorKind, cartel_label, region_label};
use super::super::raw::{Entry, Loc, Node, Raw, Table};
use super::super::schema::{CARTEL_KEYS, Kind, TOML_INT_MAX, Value};
use super::super::validate::fmt_sum;
use super::{Builder, suggestion};
use narcodoor_model::params::{CartelSpec, Params, Region};

/// A `[[region]]` entry as read, before sizes and neighbours are resolved.
struct RegionIn {
    label: String,
    name: Option<String>,
    /// The entry itself (its `[[region]]` header), for problems about missing keys.
    at: Loc,
    youths: Option<(u64, Loc)>,
    share: Option<(f64, Loc)>,
    neighbours: Vec<(String, Loc)>,
    region: Region,
}

impl Builder<'_> {
    fn read_region(&mut self, index: usize, node: &Node) -> Option<RegionIn> {
        let label0 = region_label(None, index);
        let t = self.table(&label0, node, "a table (write [[region]])")?;
        let name = match t.get("name") {
            None => {
                let message = format!("{label0}: has no name; every [[region]] needs name = \"...\"");
                self.problem(ErrorKind::Inconsistent, node.at, &label0, message);
                None
            }
            Some(e) => match self.read(&format!("{label0}.name"), Kind::Name, "the region's name", &e.node) {
                Some(Value::Str(s)) => Some(s),
                _ => None,
            },
        };
        let label = region_label(name.as_deref(), index);
        self.map.at.insert(label.clone(), node.at);
        let mut r = RegionIn {
            label: label.clone(),
            name: name.clone(),
            at: node.at,
            youths: None,
            share: None,
            neighbours: Vec::new(),
            region: Region::with_defaults(name.as_deref().unwrap_or(""), 0),
        };
        for e in &t.entries {
            let path = format!("{label}.{}", e.key);
            match e.key.as_str() {
                "name" => {}
                "youths" => {
                    let kind = Kind::Count { min: 1, max: TOML_INT_MAX };
                    if let Some(Value::Int(n)) =
                        self.read(&path, kind, "youths living in the region", &e.node)
                    {
                        r.youths = Some((n, e.node.at));
                    }
                }
                "share" => {
                    if let Some(Value::Num(x)) = self.read(
                        &path,
                        Kind::Unit,
                        "share of population.youths living in the region",
                        &e.node,
                    ) {
                        r.share = Some((x, e.node.at));
                    }
                }
                "neighbours" => {
                    r.neighbours = self.names_array(&path, &e.node);
                    self.map.at.insert(path, e.node.at);
                }
                key => match self.schema.region.iter().find(|k| k.name == key) {
                    Some(def) => {
                        if let Some(v) = self.read(&path, def.kind, def.meaning, &e.node) {
                            (def.set)(&mut r.region, &v);
                            self.map.at.insert(path, e.node.at);
                        }
                    }
                    None => {
                        let names = self.schema.region_key_names();
                        let hint = suggestion(key, &names, "the keys of [[region]] are");
                        self.unknown_key(&path, e.key_at, hint);
                    }
                },
            }
        }
        Some(r)
    }

    /// Turns the `[[region]]` entries into regions with head counts and neighbour indices.
    /// Returns whether every region has a valid, unique name: only then can cartels and
    /// levers be checked against them without reporting spurious unknown names.
    pub(super) fn regions(&mut self, p: &mut Params, entry: Option<&Entry>) -> bool {
        let Some(entry) = entry else {
            p.regions = vec![Region::with_defaults("all", p.population.youths)];
            if let Some(at) = self.map.at.get("population.youths").copied() {
                self.map.at.insert("region \"all\".youths".into(), at);
            }
            return true;
        };
        let Raw::Array(items) = &entry.node.raw else {
            self.wrong_type("region", &entry.node, "an array of tables (write [[region]], not [region])");
            return false;
        };
        if items.is_empty() {
            let message = "region = []: a scenario needs at least one region (leave out region for one \
                           region \"all\")"
                .to_string();
            self.problem(ErrorKind::OutOfRange, entry.node.at, "region", message);
            return false;
        }
        let mut rs: Vec<RegionIn> = Vec::new();
        for (i, node) in items.iter().enumerate() {
            if let Some(r) = self.read_region(i, node) {
                rs.push(r);
            }
        }
        if rs.len() != items.len() {
            return false;
        }
        // Duplicate names would make neighbours, territory and lever regions ambiguous.
        let mut seen: HashMap<String, Loc> = HashMap::new();
        let mut names_ok = rs.iter().all(|r| r.name.is_some());
        for r in &rs {
            if let Some(n) = &r.name {
                if let Some(first) = seen.get(n) {
                    let first = self.map.files.origin(*first);
                    let message = format!("{}: duplicate region name (first defined at {first})", r.label);
                    self.problem(ErrorKind::Duplicate, r.at, &format!("{}.name", r.label), message);
                    names_ok = false;
                } else {
                    seen.insert(n.clone(), r.at);
                }
            }
        }
        self.sizes(p, &mut rs);
        self.neighbours(&mut rs);
        for r in &rs {
            if let Some((_, at)) = r.youths.or(r.share.map(|(_, at)| (0, at))) {
                self.map.at.insert(format!("{}.youths", r.label), at);
            }
        }
        p.regions = rs.into_iter().map(|r| r.region).collect();
        names_ok
    }

    /// Region sizes: all counts (population.youths becomes their sum), all shares of
    /// population.youths (largest remainder), or none given (equal shares).
    fn sizes(&mut self, p: &mut Params, rs: &mut [RegionIn]) {
        let first_count =
            rs.iter().find(|r| r.youths.is_some()).map(|r| (r.label.clone(), r.youths.unwrap_or_default().1));
        let first_share =
            rs.iter().find(|r| r.share.is_some()).map(|r| (r.label.clone(), r.share.unwrap_or_default().1));
        match (first_count, first_share) {
            (Some((count_label, count_at)), Some(_)) => {
                for r in rs.iter().filter(|r| r.share.is_some()) {
                    let (x, at) = r.share.unwrap_or_default();
                    let message = format!(
                        "{}.share = {x}: cannot mix shares and head counts ({count_label} gives youths at {}); \
                         give every region youths, or every region a share",
                        r.label,
                        self.map.files.origin(count_at)
                    );
                    self.problem(ErrorKind::Inconsistent, at, &format!("{}.share", r.label), message);
                }
            }
            (Some((count_label, count_at)), None) => self.sizes_from_counts(p, rs, &count_label, count_at),
            (None, Some((share_label, share_at))) => self.sizes_from_shares(p, rs, &share_label, share_at),
            (None, None) => self.equal_sizes(p, rs),
        }
    }

    /// Every region gives its youths: population.youths becomes their sum.
    fn sizes_from_counts(&mut self, p: &mut Params, rs: &mut [RegionIn], count_label: &str, count_at: Loc) {
        let mut total: u64 = 0;
        for r in rs.iter_mut() {
            match r.youths {
                Some((n, _)) => {
                    total = total.saturating_add(n);
                    r.region.youths = n;
                }
                None => {
                    let message = format!(
                        "{}: has no youths; when one region gives youths ({count_label} at {}) every \
                         region must",
                        r.label,
                        self.map.files.origin(count_at)
                    );
                    let key = format!("{}.youths", r.label);
                    let at = r.at;
                    self.problem(ErrorKind::Inconsistent, at, &key, message);
                }
            }
        }
        if total > TOML_INT_MAX {
            let message = format!(
                "{count_label}.youths: the regions' youths add up to {total}, more than the largest \
                 population, {TOML_INT_MAX}"
            );
            self.problem(ErrorKind::OutOfRange, count_at, &format!("{count_label}.youths"), message);
        } else if let Some(at) = self.map.at.get("population.youths").copied() {
            if p.population.youths != total {
                let message = format!(
                    "population.youths = {}: differs from the sum of the regions' youths ({total}); \
                     leave population.youths out or make them agree",
                    p.population.youths
                );
                self.problem(ErrorKind::Inconsistent, at, "population.youths", message);
            }
        }
        p.population.youths = total;
    }

    /// Every region gives a share of population.youths (largest remainder).
    fn sizes_from_shares(&mut self, p: &Params, rs: &mut [RegionIn], share_label: &str, share_at: Loc) {
        let mut shares = Vec::new();
        for r in rs.iter() {
            match r.share {
                Some((x, _)) => shares.push(x),
                None => {
                    let message = format!(
                        "{}: has no share; when one region gives a share ({share_label} at {}) every \
                         region must",
                        r.label,
                        self.map.files.origin(share_at)
                    );
                    self.problem(ErrorKind::Inconsistent, r.at, &format!("{}.share", r.label), message);
                }
            }
        }
        if shares.len() != rs.len() {
            return;
        }
        let sum: f64 = shares.iter().sum();
        if (sum - 1.0).abs() > 1e-9 {
            let parts: Vec<String> = rs
                .iter()
                .map(|r| format!("{} {}", r.name.as_deref().unwrap_or("?"), r.share.unwrap_or_default().0))
                .collect();
            let key = format!("{share_label}.share");
            let message = format!(
                "{key} = {}: the regions' shares add up to {} ({}); they must add up to 1 (±1e-9)",
                rs[0].share.unwrap_or_default().0,
                fmt_sum(sum),
                parts.join(", ")
            );
            self.problem(ErrorKind::Inconsistent, share_at, &key, message);
            return;
        }
        let counts = allocate_shares(p.population.youths, &shares);
        for (r, n) in rs.iter_mut().zip(counts) {
            r.region.youths = n;
            if n == 0 {
                let (x, at) = r.share.unwrap_or_default();
                let message = format!(
                    "{}.share = {x}: gives 0 of population.youths = {} youths; every region needs at \
                     least one youth",
                    r.label, p.population.youths
                );
                self.problem(ErrorKind::OutOfRange, at, &format!("{}.share", r.label), message);
            }
        }
    }

    /// No region gives a size: equal shares of population.youths.
    fn equal_sizes(&mut self, p: &Params, rs: &mut [RegionIn]) {
        let shares = vec![1.0 / rs.len() as f64; rs.len()];
        let counts = allocate_shares(p.population.youths, &shares);
        let at = self.map.at.get("population.youths").copied();
        for (r, n) in rs.iter_mut().zip(counts) {
            r.region.youths = n;
            if n == 0 {
                let message = format!(
                    "{}: an equal share of population.youths = {} is 0 youths; give more youths or \
                     fewer regions",
                    r.label, p.population.youths
                );
                self.problem(ErrorKind::OutOfRange, at.unwrap_or(r.at), "population.youths", message);
            }
        }
    }

    fn neighbours(&mut self, rs: &mut [RegionIn]) {
        let names: Vec<String> = rs.iter().map(|r| r.name.clone().unwrap_or_default()).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut links: Vec<(usize, usize)> = Vec::new();
        for (i, r) in rs.iter().enumerate() {
            for (n, at) in &r.neighbours {
                let key = format!("{}.neighbours", r.label);
                match names.iter().position(|x| x == n) {
                    Some(j) if j == i => {
                        let message =
                            format!("{key}: {n:?} is the region itself; a region cannot neighbour itself");
                        self.problem(ErrorKind::Inconsistent, *at, &key, message);
                    }
                    Some(j) => links.push((i, j)),
                    None => {
                        let hint = suggestion(n, &name_refs, "the regions are");
                        let message = format!("{key}: unknown region {n:?}{hint}");
                        self.problem(ErrorKind::UnknownName, *at, &key, message);
                    }
                }
            }
        }
        // The relation is symmetric whichever side names it; duplicates are dropped.
        for (i, j) in links {
            rs[i].region.neighbours.push(j);
            rs[j].region.neighbours.push(i);
        }
        for r in rs.iter_mut() {
            r.region.neighbours.sort_unstable();
            r.region.neighbours.dedup();
        }
    }

    pub(super) fn cartels(&mut self, p: &mut Params, entry: Option<&Entry>) {
        let Some(entry) = entry else {
            let territory = p.regions.iter().map(|r| r.presence).collect();
            p.cartel_list = vec![CartelSpec { name: "cartel".into(), predatory: false, territory }];
            for r in &p.regions {
                if let Some(at) = self.map.at.get(&format!("region {:?}.presence", r.name)).copied() {
                    self.map.at.insert(format!("cartel \"cartel\".territory.{}", r.name), at);
                }
            }
            return;
        };
        let Raw::Array(items) = &entry.node.raw else {
            self.wrong_type("cartel", &entry.node, "an array of tables (write [[cartel]], not [cartel])");
            return;
        };
        if items.is_empty() {
            let message = "cartel = []: a scenario needs at least one cartel (leave out cartel for one \
                           cartel \"cartel\")"
                .to_string();
            self.problem(ErrorKind::OutOfRange, entry.node.at, "cartel", message);
            return;
        }
        let region_names: Vec<String> = p.regions.iter().map(|r| r.name.clone()).collect();
        let mut list = Vec::new();
        let mut seen: HashMap<String, Loc> = HashMap::new();
        for (i, node) in items.iter().enumerate() {
            let label0 = cartel_label(None, i);
            let Some(t) = self.table(&label0, node, "a table (write [[cartel]])") else {
                continue;
            };
            let name = match t.get("name") {
                None => {
                    let message = format!("{label0}: has no name; every [[cartel]] needs name = \"...\"");
                    self.problem(ErrorKind::Inconsistent, node.at, &label0, message);
                    None
                }
                Some(e) => {
                    match self.read(&format!("{label0}.name"), Kind::Name, "the cartel's name", &e.node) {
                        Some(Value::Str(s)) => Some(s),
                        _ => None,
                    }
                }
            };
            let label = cartel_label(name.as_deref(), i);
            self.map.at.insert(label.clone(), node.at);
            if let Some(n) = &name {
                if let Some(first) = seen.get(n) {
                    let first = self.map.files.origin(*first);
                    let message = format!("{label}: duplicate cartel name (first defined at {first})");
                    self.problem(ErrorKind::Duplicate, node.at, &format!("{label}.name"), message);
                } else {
                    seen.insert(n.clone(), node.at);
                }
            }
            let mut c = CartelSpec {
                name: name.clone().unwrap_or_default(),
                predatory: false,
                territory: vec![0.0; p.regions.len()],
            };
            self.cartel_keys(&mut c, t, &label, &region_names);
            list.push(c);
        }
        p.cartel_list = list;
    }

    /// The keys of one `[[cartel]]` table but its name.
    fn cartel_keys(&mut self, c: &mut CartelSpec, t: &Table, label: &str, region_names: &[String]) {
        for e in &t.entries {
            let path = format!("{label}.{}", e.key);
            match e.key.as_str() {
                "name" => {}
                "predatory" => {
                    if let Some(Value::Bool(b)) = self.read(&path, Kind::Bool, CARTEL_KEYS[1].2, &e.node) {
                        c.predatory = b;
                        self.map.at.insert(path, e.node.at);
                    }
                }
                "territory" => {
                    self.cartel_territory(c, &path, &e.node, region_names);
                }
                key => {
                    let names: Vec<&str> = CARTEL_KEYS.iter().map(|k| k.0).collect();
                    let hint = suggestion(key, &names, "the keys of [[cartel]] are");
                    self.unknown_key(&path, e.key_at, hint);
                }
            }
        }
    }

    /// A cartel's `territory = { Region = share, ... }`.
    fn cartel_territory(&mut self, c: &mut CartelSpec, path: &str, node: &Node, region_names: &[String]) {
        let Some(tt) = self.table(path, node, "a table { Region = share, ... }") else {
            return;
        };
        let region_refs: Vec<&str> = region_names.iter().map(String::as_str).collect();
        for te in &tt.entries {
            let tpath = format!("{path}.{}", te.key);
            let Some(r) = region_names.iter().position(|n| *n == te.key) else {
                let hint = suggestion(&te.key, &region_refs, "the regions are");
                let message = format!("{tpath}: unknown region {:?}{hint}", te.key);
                self.problem(ErrorKind::UnknownName, te.key_at, &tpath, message);
                continue;
            };
            let meaning = "the cartel's share of the region's territory";
            if let Some(Value::Num(x)) = self.read(&tpath, Kind::Prob, meaning, &te.node) {
                c.territory[r] = x;
                self.map.at.insert(tpath, te.node.at);
            }
        }
    }
}

/// Turns shares (adding up to 1) into head counts adding up to `total` by the largest
/// remainder method; ties go to the earlier region, so the result is deterministic.
pub fn allocate_shares(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum();
    if shares.is_empty() || sum <= 0.0 || !sum.is_finite() {
        return vec![0; shares.len()];
    }
    let quotas: Vec<f64> = shares.iter().map(|s| s / sum * total as f64).collect();
    let mut counts: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (quotas[a] - quotas[a].floor(), quotas[b] - quotas[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    distribute(total, &mut counts, &order);
    counts
}

/// Rescales head counts to a new total in proportion, by the largest remainder method with
/// exact integer arithmetic; ties go to the earlier region.
pub fn rescale_counts(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut counts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for &w in weights {
        let q = u128::from(total) * u128::from(w);
        counts.push((q / sum) as u64);
        remainders.push(q % sum);
    }
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    distribute(total, &mut counts, &order);
    counts
}

/// Hands out (or, after floating-point drift, takes back) the units needed for `counts` to
/// add up to `total`, one per region in `order`.
fn distribute(total: u64, counts: &mut [u64], order: &[usize]) {
    let mut assigned: u64 = counts.iter().sum();
    let mut k = 0;
    while assigned < total && !order.is_empty() {
        counts[order[k % order.len()]] += 1;
        assigned += 1;
        k += 1;
    }
    let mut k = order.len();
    while assigned > total && k > 0 {
        k -= 1;
        let i = order[k];
        if counts[i] > 0 {
            counts[i] -= 1;
            assigned -= 1;
        }
        if k == 0 && assigned > total {
            k = order.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_become_counts_by_largest_remainder() {
        assert_eq!(allocate_shares(10, &[0.25, 0.25, 0.5]), [3, 2, 5]);
        assert_eq!(allocate_shares(100_000, &[1.0]), [100_000]);
        assert_eq!(allocate_shares(7, &[1.0 / 3.0; 3]), [3, 2, 2]);
        let c = allocate_shares(1_000_003, &[0.1, 0.2, 0.3, 0.4]);
        assert_eq!(c.iter().sum::<u64>(), 1_000_003);
    }

    #[test]
    fn rescaling_keeps_proportions_and_the_total() {
        assert_eq!(rescale_counts(100, &[500, 300, 200]), [50, 30, 20]);
        // 10 × (1/3 each) = 3.33 each: the one left over goes to the first region.
        assert_eq!(rescale_counts(10, &[1, 1, 1]), [4, 3, 3]);
        // Quotas 4.2, 1.4, 1.4: the unit left over goes to the larger remainder, the earlier
        // region on a tie.
        assert_eq!(rescale_counts(7, &[3, 1, 1]), [4, 2, 1]);
        assert_eq!(
            rescale_counts(u64::MAX / 2, &[u64::MAX / 4, u64::MAX / 4]).iter().sum::<u64>(),
            u64::MAX / 2
        );
    }
}
