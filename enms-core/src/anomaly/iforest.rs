//! Isolation forest (Liu, Ting and Zhou, ICDM 2008), the algorithm and conventions of
//! scikit-learn's `IsolationForest`:
//!
//! - each of `n_estimators` trees (default 100) is grown on `max_samples` rows drawn without
//!   replacement (default `min(256, n)`) and `max_features` of the columns (default all), to a
//!   depth of at most `ceil(log2(max_samples))`; a node splits on a random non-constant column at a
//!   threshold drawn uniformly between that column's minimum and maximum in the node (rows with
//!   `x <= threshold` go left);
//! - the path length of a row is the depth of the leaf it reaches plus `c(m)` for the `m` training
//!   rows left unsplit in that leaf, with `c(m) = 2 H(m - 1) - 2 (m - 1) / m` (`H(i) ≈ ln i +
//!   0.5772156649`), `c(2) = 1`, `c(m <= 1) = 0`;
//! - `score_samples(x) = -2^(-E[h(x)] / c(max_samples))` (lower is more abnormal);
//!   `decision_function = score_samples - offset` with `offset = -0.5` for
//!   `contamination = "auto"` or the `contamination` quantile of the training scores;
//!   `predict = +1` (inlier) where `decision_function >= 0`, else `-1`.
//!
//! Trees are grown and rows scored on all cores (`std::thread::scope`); each tree draws from its
//! own random stream derived from `(random_state, tree index)`, so a seed gives the same forest
//! on any number of threads. A fitted forest serialises with serde.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::parallel::threads;

const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// How the decision threshold is set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contamination {
    /// `offset = -0.5`, as in the original paper.
    Auto,
    /// The expected share of anomalies in the training data, in (0, 0.5].
    Fraction(f64),
}

/// Parameters of the forest (scikit-learn's names and defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolationForestParams {
    /// Number of trees.
    pub n_estimators: usize,
    /// Rows per tree; `None` = `min(256, n)`.
    pub max_samples: Option<usize>,
    /// Share of columns each tree may split on, in (0, 1].
    pub max_features: f64,
    /// Threshold rule.
    pub contamination: Contamination,
    /// Seed of the random streams.
    pub random_state: u64,
    /// Threads for fitting and scoring; `None` = all available.
    pub n_jobs: Option<usize>,
}

impl Default for IsolationForestParams {
    fn default() -> Self {
        IsolationForestParams {
            n_estimators: 100,
            max_samples: None,
            max_features: 1.0,
            contamination: Contamination::Auto,
            random_state: 0,
            n_jobs: None,
        }
    }
}

/// A node of an isolation tree: `x[feature] > threshold` goes to `left + 1`, else `left`
/// (children are stored side by side). A leaf points to itself with the largest finite threshold, so a
/// walk of exactly `max_depth` steps ends on it without a branch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Node {
    threshold: f64,
    feature: u32,
    left: u32,
}

/// One isolation tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tree {
    nodes: Vec<Node>,
    /// For a leaf: its depth plus `c(rows in the leaf)`; 0 for inner nodes.
    leaf_path: Vec<f64>,
}

/// A fitted isolation forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolationForest {
    /// Parameters it was fitted with.
    pub params: IsolationForestParams,
    /// Names of the columns, in the order scoring expects them.
    pub feature_names: Vec<String>,
    /// Rows each tree was grown on.
    pub max_samples: usize,
    /// `decision_function = score_samples - offset`.
    pub offset: f64,
    max_depth: usize,
    trees: Vec<Tree>,
}

/// Average path length of an unsuccessful search in a binary search tree of `n` nodes.
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m = n as f64;
            2.0 * ((m - 1.0).ln() + EULER_GAMMA) - 2.0 * (m - 1.0) / m
        }
    }
}

/// Hashes the row indices of the row sampling's swap map with one multiplication (the standard
/// hasher took more time than growing the tree).
#[derive(Default)]
struct IndexHasher(u64);

impl std::hash::Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// SplitMix64: seeds the per-tree streams.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** random stream.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Self {
        let a = splitmix(seed);
        let b = splitmix(a);
        let c = splitmix(b);
        let d = splitmix(c);
        Rng([a, b, c, d])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [0, n).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

fn check_columns(columns: &[(&str, &[f64])]) -> Result<usize> {
    let Some((_, first)) = columns.first() else {
        return Err(Error::EmptySeries {
            column: "features".into(),
            needed: 1,
        });
    };
    let n = first.len();
    for (name, c) in columns {
        if c.len() != n {
            return Err(Error::LengthMismatch {
                column: (*name).to_string(),
                expected: n,
                got: c.len(),
            });
        }
        crate::series::check_finite(name, c)?;
    }
    Ok(n)
}

/// Feature values as growing and scoring read them: columns, or a row-major matrix (numpy's C
/// order), read in place either way.
enum Source<'a> {
    /// One slice per column of the forest, all of one length.
    Columns(Vec<&'a [f64]>),
    /// Row `r`'s value of the forest's column `j` at `values[r * width + order[j]]`.
    Rows {
        values: &'a [f64],
        width: usize,
        order: Vec<usize>,
    },
}

impl Source<'_> {
    /// Row `r`'s value of column `j`.
    fn value(&self, j: usize, r: usize) -> f64 {
        match self {
            Source::Columns(c) => c[j][r],
            Source::Rows {
                values,
                width,
                order,
            } => values[r * width + order[j]],
        }
    }

    /// Calls `f(i, x)` for the values of column `j` in rows `first..end`, `i` counted from 0.
    fn each(&self, j: usize, first: usize, end: usize, mut f: impl FnMut(usize, f64)) {
        match self {
            Source::Columns(c) => {
                for (i, &x) in c[j][first..end].iter().enumerate() {
                    f(i, x);
                }
            }
            Source::Rows {
                values,
                width,
                order,
            } => {
                let k = order[j];
                for (i, row) in values[first * width..end * width]
                    .chunks_exact(*width)
                    .enumerate()
                {
                    f(i, row[k]);
                }
            }
        }
    }
}

/// A row-major matrix with a name per column: its row count, after checking that the values fill
/// whole rows and are finite (a NaN or infinity is named by column and row).
fn check_rows(names: &[&str], values: &[f64]) -> Result<usize> {
    let width = names.len();
    if width == 0 {
        return Err(Error::EmptySeries {
            column: "features".into(),
            needed: 1,
        });
    }
    if values.len() % width != 0 {
        return Err(Error::invalid(
            "values",
            format!(
                "{} values do not fill rows of {width} columns",
                values.len()
            ),
        ));
    }
    // the shared check over the flat values, its index turned into column and row
    crate::series::check_finite("values", values).map_err(|e| match e {
        Error::NonFinite { index, value, .. } => Error::NonFinite {
            column: names[index % width].into(),
            index: index / width,
            value,
        },
        other => other,
    })?;
    Ok(values.len() / width)
}

/// Grows the subtree of `rows` into node `node` (already allocated).
#[allow(clippy::too_many_arguments)]
fn grow(
    columns: &[&[f64]],
    features: &[usize],
    rows: &mut [usize],
    node: usize,
    depth: usize,
    max_depth: usize,
    rng: &mut Rng,
    tree: &mut Tree,
) {
    let make_leaf = |tree: &mut Tree, rows: usize| {
        tree.nodes[node] = Node {
            // no finite value is above it (and, unlike infinity, JSON can hold it)
            threshold: f64::MAX,
            feature: 0,
            left: node as u32,
        };
        tree.leaf_path[node] = depth as f64 + average_path_length(rows);
    };
    if depth >= max_depth || rows.len() <= 1 {
        return make_leaf(tree, rows.len());
    }
    // a random non-constant feature: draw without replacement until one varies
    let mut candidates: Vec<usize> = features.to_vec();
    let mut chosen = None;
    while !candidates.is_empty() {
        let k = rng.below(candidates.len());
        let f = candidates.swap_remove(k);
        let col = columns[f];
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &r in rows.iter() {
            // finite values: no NaN handling needed (`minsd`, `maxsd`)
            let x = col[r];
            lo = if x < lo { x } else { lo };
            hi = if x > hi { x } else { hi };
        }
        if hi > lo {
            chosen = Some((f, lo, hi));
            break;
        }
    }
    let Some((f, lo, hi)) = chosen else {
        return make_leaf(tree, rows.len());
    };
    let mut threshold = lo + (hi - lo) * rng.uniform();
    if threshold >= hi {
        threshold = lo;
    }
    let col = columns[f];
    // partition, rows with x <= threshold first, without a branch (the comparison is a coin
    // toss): every row is swapped to the boundary, which moves past it if it goes left
    let mut split = 0;
    for i in 0..rows.len() {
        let goes_left = col[rows[i]] <= threshold;
        rows.swap(i, split);
        split += usize::from(goes_left);
    }
    let left = tree.nodes.len();
    let blank = Node {
        threshold: 0.0,
        feature: 0,
        left: 0,
    };
    tree.nodes.extend([blank, blank]);
    tree.leaf_path.extend([0.0, 0.0]);
    tree.nodes[node] = Node {
        threshold,
        feature: f as u32,
        left: left as u32,
    };
    let (l, r) = rows.split_at_mut(split);
    grow(columns, features, l, left, depth + 1, max_depth, rng, tree);
    grow(
        columns,
        features,
        r,
        left + 1,
        depth + 1,
        max_depth,
        rng,
        tree,
    );
}

/// Rows scored together: their values stay in the L1 cache while every tree walks them.
const SCORE_BLOCK: usize = 512;
/// Rows a scoring thread takes at a time.
const SCORE_CHUNK: usize = 16 * SCORE_BLOCK;
/// Rows walked in lockstep through a tree, so their dependent loads overlap.
const LANES: usize = 16;
/// Groups of `LANES` rows in a block.
const GROUPS: usize = SCORE_BLOCK / LANES;
const _: () = assert!(SCORE_BLOCK % LANES == 0, "a block holds whole groups");
/// Values of one group of `LANES` rows: column `j` of lane `l` at `j * LANES + l`. A node's
/// column offset `j * LANES` fits a `u8`, so with this length the walk needs no bounds check.
const GROUP: usize = 256 + LANES;
/// Most columns the perfect-tree walk takes (`j * LANES` must fit a `u8`).
const FLAT_MAX_COLUMNS: usize = 256 / LANES;
/// Deepest tree laid out as a perfect binary tree (4096 nodes).
const FLAT_MAX_DEPTH: usize = 12;
/// Most distinct thresholds per column the perfect-tree walk takes (codes stay below 2^31).
const FLAT_MAX_CUTS: usize = (1 << 23) - 2;
/// A perfect-tree node that always goes left: no value's code is above it.
const PAD: u32 = (1 << 31) - 1;

/// The distinct thresholds of one column over the whole forest, ascending, for ranking values:
/// with `rank(x)` the number of thresholds below `x` and `i` the position of threshold `t`,
/// `x > t` exactly when `rank(x) > i`. A value's rank is found through equal-width buckets over
/// the thresholds' range: `bucket` is a monotone function of `x`, so every threshold in an
/// earlier bucket is below `x`, every one in a later bucket above it, and only the thresholds
/// of `x`'s own bucket (about one) are compared.
struct Cuts {
    sorted: Vec<f64>,
    /// Bucket `b` holds `sorted[start[b]..start[b + 1]]`.
    start: Vec<u32>,
    lo: f64,
    scale: f64,
}

impl Cuts {
    /// `thresholds`: without NaN.
    fn new(mut thresholds: Vec<f64>) -> Self {
        thresholds.sort_by(f64::total_cmp);
        // equal under `<` (0.0 and -0.0 too): one rank
        thresholds.dedup_by(|a, b| a == b);
        let n = thresholds.len();
        let mut cuts = Cuts {
            start: vec![0, n as u32],
            lo: 0.0,
            scale: 0.0,
            sorted: thresholds,
        };
        // at least two buckets per threshold: most buckets' ranks are found without a branch
        let buckets = 2 * n.next_power_of_two();
        if let (Some(&lo), Some(&hi)) = (cuts.sorted.first(), cuts.sorted.last()) {
            let scale = buckets as f64 / (hi - lo);
            // otherwise one bucket: ranks by binary search over all thresholds
            if lo.is_finite() && hi.is_finite() && scale.is_finite() && scale > 0.0 {
                cuts.lo = lo;
                cuts.scale = scale;
                cuts.start = vec![0; buckets + 1];
                let of: Vec<usize> = cuts.sorted.iter().map(|&t| cuts.bucket(t)).collect();
                for b in of {
                    cuts.start[b + 1] += 1;
                }
                for b in 0..buckets {
                    cuts.start[b + 1] += cuts.start[b];
                }
            }
        }
        cuts.sorted.extend([f64::INFINITY; 2]);
        cuts
    }

    /// Non-decreasing in `x` (a difference, a product by a positive number and a saturating
    /// conversion, all monotone in IEEE arithmetic).
    fn bucket(&self, x: f64) -> usize {
        (((x - self.lo) * self.scale) as usize).min(self.start.len() - 2)
    }

    /// The number of thresholds below `x`.
    fn rank(&self, x: f64) -> u32 {
        let b = self.bucket(x);
        let (a, e) = (self.start[b] as usize, self.start[b + 1] as usize);
        let rank = if e - a <= 2 {
            // without a branch: the thresholds after the bucket's are above `x`, and two
            // infinities end the list
            let t = &self.sorted[a..a + 2];
            a + usize::from(t[0] < x) + usize::from(t[1] < x)
        } else {
            a + self.sorted[a..e].partition_point(|&t| t < x)
        };
        rank as u32
    }

    /// The number of distinct thresholds.
    fn len(&self) -> usize {
        self.sorted.len() - 2
    }

    /// The position of a threshold that is in the list.
    fn position(&self, t: f64) -> u32 {
        self.sorted[..self.len()].partition_point(|&s| s < t) as u32
    }
}

/// How the trees are walked when scoring.
///
/// `Flat`: every tree as a perfect binary tree of depth `max_depth` (node `k`'s children at
/// `2k + 1` and `2k + 2`, the leaves after the `2^depth - 1` inner nodes), a leaf above full
/// depth padded by inner nodes that always go left to a copy of it. A node is one `u32`: its
/// threshold's rank among its column's thresholds ([`Cuts`]) shifted left by 8 bits, and the
/// column's offset in a group of rows in the low byte; a row's value is held as its rank shifted
/// left by 8 (low byte zero), so that `code(x) > node` exactly when `x > t`, and, all codes
/// being below 2^31, exactly when `node - code(x)` has its sign bit set. A walk is exactly
/// `depth` steps of `k = 2k + 1 + ((node - code(x)) >> 31)`: two loads a step (the node, then
/// the value, which the subtraction takes from memory), no child index, no comparison flag,
/// and, with the node count a compile-time power of two and the column offset a `u8` into a
/// fixed-size group, no bounds checks. Used up to
/// `FLAT_MAX_DEPTH` (4096 rows per tree), `FLAT_MAX_COLUMNS` and `FLAT_MAX_CUTS`; other forests
/// are walked through the trees' child indices, on the values themselves.
enum Walker<'a> {
    Flat {
        depth: usize,
        /// `2^depth` per tree: the inner nodes (and one unused, so that each tree's share is a
        /// power of two).
        nodes: Vec<u32>,
        /// `2^depth` leaf path lengths per tree.
        leaves: Vec<f64>,
        /// Per column, for the values' ranks.
        cuts: Vec<Cuts>,
    },
    Pointer {
        depth: usize,
        trees: &'a [Tree],
        /// Columns of the data.
        columns: usize,
    },
}

impl<'a> Walker<'a> {
    fn new(trees: &'a [Tree], depth: usize, columns: usize) -> Self {
        let pointer = Walker::Pointer {
            depth,
            trees,
            columns,
        };
        if depth == 0 || depth > FLAT_MAX_DEPTH || columns > FLAT_MAX_COLUMNS {
            return pointer;
        }
        // every inner node's threshold by column (a NaN one sends every value left: padding)
        let mut thresholds = vec![Vec::new(); columns];
        for tree in trees {
            for (k, node) in tree.nodes.iter().enumerate() {
                let column = thresholds.get_mut(node.feature as usize);
                if let (false, false, Some(c)) =
                    (node.left as usize == k, node.threshold.is_nan(), column)
                {
                    c.push(node.threshold);
                }
            }
        }
        let cuts: Vec<Cuts> = thresholds.into_iter().map(Cuts::new).collect();
        if cuts.iter().any(|c| c.len() > FLAT_MAX_CUTS) {
            return pointer;
        }
        let width = 1usize << depth;
        let mut nodes = vec![PAD; width * trees.len()];
        let mut leaves = vec![0.0; width * trees.len()];
        for (t, tree) in trees.iter().enumerate() {
            let part = t * width..(t + 1) * width;
            let (nodes, leaves) = (&mut nodes[part.clone()], &mut leaves[part]);
            // (node of the tree, position in the perfect layout, depth)
            let mut stack = vec![(0usize, 0usize, 0usize)];
            while let Some((k, pos, d)) = stack.pop() {
                let node = tree.nodes[k];
                if d == depth {
                    leaves[pos + 1 - width] = tree.leaf_path[k];
                } else if node.left as usize == k {
                    // a leaf above full depth: the padding node goes left to a copy of it
                    stack.push((k, 2 * pos + 1, d + 1));
                } else {
                    let j = node.feature as usize;
                    if let (false, Some(c)) = (node.threshold.is_nan(), cuts.get(j)) {
                        nodes[pos] = c.position(node.threshold) << 8 | (j * LANES) as u32;
                    }
                    stack.push((node.left as usize, 2 * pos + 1, d + 1));
                    stack.push((node.left as usize + 1, 2 * pos + 2, d + 1));
                }
            }
        }
        Walker::Flat {
            depth,
            nodes,
            leaves,
            cuts,
        }
    }

    /// Adds every tree's path length of `rows` (at most `sums.len() * LANES`) to `sums`, a group
    /// of `LANES` rows at a time.
    fn walk_block(
        &self,
        cols: &Source,
        rows: std::ops::Range<usize>,
        sums: &mut [[f64; LANES]],
        scratch: &mut Scratch,
    ) {
        match self {
            Walker::Flat {
                depth,
                nodes: n,
                leaves: v,
                cuts,
            } => {
                // lanes past the end of the data keep earlier codes; their sums are not read
                let groups = &mut scratch.codes;
                groups.resize(sums.len(), [0; GROUP]);
                for (j, cuts) in cuts.iter().enumerate() {
                    cols.each(j, rows.start, rows.end, |i, x| {
                        groups[i / LANES][j * LANES + i % LANES] = cuts.rank(x) << 8;
                    });
                }
                match depth {
                    1 => walk_flat::<2>(n, v, groups, sums),
                    2 => walk_flat::<4>(n, v, groups, sums),
                    3 => walk_flat::<8>(n, v, groups, sums),
                    4 => walk_flat::<16>(n, v, groups, sums),
                    5 => walk_flat::<32>(n, v, groups, sums),
                    6 => walk_flat::<64>(n, v, groups, sums),
                    7 => walk_flat::<128>(n, v, groups, sums),
                    8 => walk_flat::<256>(n, v, groups, sums),
                    9 => walk_flat::<512>(n, v, groups, sums),
                    10 => walk_flat::<1024>(n, v, groups, sums),
                    11 => walk_flat::<2048>(n, v, groups, sums),
                    _ => walk_flat::<4096>(n, v, groups, sums),
                }
            }
            Walker::Pointer {
                depth,
                trees,
                columns,
            } => {
                let stride = columns * LANES;
                let buf = &mut scratch.values;
                buf.resize(sums.len() * stride, 0.0);
                for j in 0..*columns {
                    cols.each(j, rows.start, rows.end, |i, x| {
                        buf[(i / LANES) * stride + j * LANES + i % LANES] = x;
                    });
                }
                for tree in trees.iter() {
                    let nodes = &tree.nodes;
                    for (group, sum) in buf.chunks_exact(stride).zip(sums.iter_mut()) {
                        let mut idx = [0usize; LANES];
                        for _ in 0..*depth {
                            for (l, k) in idx.iter_mut().enumerate() {
                                let nd = nodes[*k];
                                let x = group[nd.feature as usize * LANES + l];
                                *k = nd.left as usize + usize::from(x > nd.threshold);
                            }
                        }
                        for (s, k) in sum.iter_mut().zip(idx) {
                            *s += tree.leaf_path[k];
                        }
                    }
                }
            }
        }
    }
}

/// A scoring thread's buffers for a block of rows, reused from block to block.
#[derive(Default)]
struct Scratch {
    /// `Flat`: the values' codes, a group of `LANES` rows each.
    codes: Vec<[u32; GROUP]>,
    /// `Pointer`: the values, `columns * LANES` per group of rows.
    values: Vec<f64>,
}

/// The walk over perfect trees of `W = 2^depth` nodes each (see [`Walker`]).
fn walk_flat<const W: usize>(
    nodes: &[u32],
    leaves: &[f64],
    groups: &[[u32; GROUP]],
    sum: &mut [[f64; LANES]],
) {
    let depth = W.trailing_zeros();
    let trees = nodes.chunks_exact(W).zip(leaves.chunks_exact(W));
    for (n, v) in trees {
        let (Ok(n), Ok(v)) = (<&[u32; W]>::try_from(n), <&[f64; W]>::try_from(v)) else {
            continue;
        };
        for (group, sum) in groups.iter().zip(sum.iter_mut()) {
            // 32-bit indices: half the spill traffic of 16 lanes' worth of 64-bit ones
            let mut k = [0u32; LANES];
            for _ in 0..depth {
                for (l, k) in k.iter_mut().enumerate() {
                    let i = *k as usize & (W - 1);
                    let node = n[i];
                    let x = group[(node & 0xff) as usize + l];
                    // codes below 2^31: the difference's sign bit is `x > node`
                    *k = 2 * i as u32 + 1 + (node.wrapping_sub(x) >> 31);
                }
            }
            for (s, k) in sum.iter_mut().zip(k) {
                *s += v[(k as usize + 1) & (W - 1)];
            }
        }
    }
}

impl IsolationForest {
    /// Grows the forest on named columns (all of the same length, finite).
    pub fn fit(columns: &[(&str, &[f64])], params: &IsolationForestParams) -> Result<Self> {
        let n = check_columns(columns)?;
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let cols = Source::Columns(columns.iter().map(|(_, c)| *c).collect());
        Self::grow_forest(&names, &cols, n, params)
    }

    /// Grows the forest on a row-major matrix (numpy's C order: row `r`'s value of column `j`
    /// at `values[r * names.len() + j]`), one name per column; the same forest as [`fit`] on
    /// the same values by column.
    ///
    /// [`fit`]: IsolationForest::fit
    pub fn fit_rows(
        names: &[&str],
        values: &[f64],
        params: &IsolationForestParams,
    ) -> Result<Self> {
        let n = check_rows(names, values)?;
        let rows = Source::Rows {
            values,
            width: names.len(),
            order: (0..names.len()).collect(),
        };
        Self::grow_forest(names, &rows, n, params)
    }

    fn grow_forest(
        names: &[&str],
        cols: &Source,
        n: usize,
        params: &IsolationForestParams,
    ) -> Result<Self> {
        if n < 2 {
            return Err(Error::EmptySeries {
                column: "features".into(),
                needed: 2,
            });
        }
        if params.n_estimators == 0 {
            return Err(Error::invalid("n_estimators", "must be at least 1"));
        }
        if !(params.max_features > 0.0 && params.max_features <= 1.0) {
            return Err(Error::invalid(
                "max_features",
                format!("must lie in (0, 1], got {}", params.max_features),
            ));
        }
        if let Contamination::Fraction(c) = params.contamination {
            if !(c > 0.0 && c <= 0.5) {
                return Err(Error::invalid(
                    "contamination",
                    format!("must be \"auto\" or a fraction in (0, 0.5], got {c}"),
                ));
            }
        }
        let max_samples = match params.max_samples {
            None => n.min(256),
            Some(0) => return Err(Error::invalid("max_samples", "must be at least 1")),
            // as scikit-learn: more than n is clipped to n
            Some(m) => m.min(n),
        };
        let p = names.len();
        let per_tree = ((params.max_features * p as f64).floor() as usize).clamp(1, p);
        let max_depth = (max_samples.max(2) as f64).log2().ceil() as usize;
        let build = |t: usize| -> Tree {
            let mut rng = Rng::new(params.random_state ^ splitmix(t as u64));
            // rows without replacement: partial Fisher-Yates over a sparse swap map
            let mut swaps = std::collections::HashMap::with_capacity_and_hasher(
                2 * max_samples,
                std::hash::BuildHasherDefault::<IndexHasher>::default(),
            );
            let mut rows = Vec::with_capacity(max_samples);
            for i in 0..max_samples {
                let j = i + rng.below(n - i);
                let vj = *swaps.get(&j).unwrap_or(&j);
                let vi = *swaps.get(&i).unwrap_or(&i);
                swaps.insert(j, vi);
                rows.push(vj);
            }
            let mut features: Vec<usize> = (0..p).collect();
            for i in 0..per_tree {
                let j = i + rng.below(p - i);
                features.swap(i, j);
            }
            features.truncate(per_tree);
            let mut tree = Tree {
                nodes: vec![Node {
                    threshold: 0.0,
                    feature: 0,
                    left: 0,
                }],
                leaf_path: vec![0.0],
            };
            // the sample's values side by side (the tree's features only), so that growing
            // reads the cache and not rows scattered over the data
            let sample: Vec<Vec<f64>> = (0..p)
                .map(|j| match features.contains(&j) {
                    true => rows.iter().map(|&r| cols.value(j, r)).collect(),
                    false => Vec::new(),
                })
                .collect();
            let sample: Vec<&[f64]> = sample.iter().map(Vec::as_slice).collect();
            let mut rows: Vec<usize> = (0..rows.len()).collect();
            grow(
                &sample, &features, &mut rows, 0, 0, max_depth, &mut rng, &mut tree,
            );
            tree
        };
        let workers = threads(params.n_jobs, params.n_estimators);
        let trees: Vec<Tree> = crate::parallel::map(params.n_estimators, workers, build)
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| Error::invalid("features", "a tree could not be grown (a bug)"))?;
        let mut forest = IsolationForest {
            params: params.clone(),
            feature_names: names.iter().map(|name| (*name).to_string()).collect(),
            max_samples,
            offset: -0.5,
            max_depth,
            trees,
        };
        if let Contamination::Fraction(c) = params.contamination {
            let scores = forest.score_columns(cols, n);
            forest.offset = percentile(&scores, 100.0 * c);
        }
        Ok(forest)
    }

    fn score_columns(&self, cols: &Source, n: usize) -> Vec<f64> {
        let norm = average_path_length(self.max_samples);
        let walker = Walker::new(&self.trees, self.max_depth, self.feature_names.len());
        let workers = threads(self.params.n_jobs, n.div_ceil(SCORE_CHUNK));
        let mut out = vec![0.0; n];
        {
            // chunks handed out one at a time: a core slowed by other work takes fewer
            let queue = std::sync::Mutex::new(out.chunks_mut(SCORE_CHUNK).enumerate());
            std::thread::scope(|s| {
                for _ in 0..workers {
                    let (walker, queue) = (&walker, &queue);
                    s.spawn(move || loop {
                        let next = queue.lock().ok().and_then(|mut q| q.next());
                        let Some((c, part)) = next else { break };
                        self.score_range(walker, cols, c * SCORE_CHUNK, part, norm);
                    });
                }
            });
        }
        out
    }

    /// Scores rows `first..first + out.len()` into `out`.
    fn score_range(
        &self,
        walker: &Walker,
        cols: &Source,
        first: usize,
        out: &mut [f64],
        norm: f64,
    ) {
        let mut scratch = Scratch::default();
        let mut sum = [[0.0; LANES]; GROUPS];
        let trees = self.trees.len() as f64;
        for (b, part) in out.chunks_mut(SCORE_BLOCK).enumerate() {
            sum.iter_mut().for_each(|s| *s = [0.0; LANES]);
            let start = first + b * SCORE_BLOCK;
            let groups = part.len().div_ceil(LANES);
            walker.walk_block(
                cols,
                start..start + part.len(),
                &mut sum[..groups],
                &mut scratch,
            );
            for (o, s) in part.iter_mut().zip(sum.iter().flatten()) {
                *o = -(2f64.powf(-(s / trees) / norm));
            }
        }
    }

    /// Checks what scoring relies on, for a forest loaded from JSON: every node's column exists,
    /// every child index lies in its tree after its parent, every tree is at most `max_depth`
    /// deep with a path length per node, and the walk's depth fits the layout.
    fn check_structure(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::invalid("model", reason));
        if self.max_depth == 0 || self.max_depth > 62 {
            return bad(format!("max_depth {} out of range", self.max_depth));
        }
        for (t, tree) in self.trees.iter().enumerate() {
            let n = tree.nodes.len();
            if n == 0 || tree.leaf_path.len() != n {
                return bad(format!(
                    "tree {t}: {n} nodes, {} path lengths",
                    tree.leaf_path.len()
                ));
            }
            // (node, depth) from the root; children always come after their parent
            let mut stack = vec![(0usize, 0usize)];
            while let Some((k, d)) = stack.pop() {
                let nd = tree.nodes[k];
                let left = nd.left as usize;
                if left == k {
                    continue;
                }
                if d >= self.max_depth || left <= k || left + 1 >= n {
                    return bad(format!("tree {t}: node {k} has children out of place"));
                }
                if nd.feature as usize >= self.feature_names.len() {
                    return bad(format!(
                        "tree {t}: node {k} splits on column {}",
                        nd.feature
                    ));
                }
                stack.push((left, d + 1));
                stack.push((left + 1, d + 1));
            }
        }
        Ok(())
    }

    /// The forest's column `j` in input column `order[j]`: columns that carry the fitted names are
    /// matched by name, in any order (a dict or a frame with its columns reordered); otherwise
    /// (e.g. positional names for an array) they are read by position, as scikit-learn does for
    /// input without feature names.
    fn order_of(&self, names: &[&str]) -> Result<Vec<usize>> {
        self.check_structure()?;
        if names.len() != self.feature_names.len() {
            return Err(Error::LengthMismatch {
                column: "features".into(),
                expected: self.feature_names.len(),
                got: names.len(),
            });
        }
        let by_name: Option<Vec<usize>> = self
            .feature_names
            .iter()
            .map(|f| names.iter().position(|g| *g == f.as_str()))
            .collect();
        Ok(by_name.unwrap_or_else(|| (0..names.len()).collect()))
    }

    fn columns_for<'a>(&self, columns: &[(&str, &'a [f64])]) -> Result<(Source<'a>, usize)> {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let order = self.order_of(&names)?;
        let n = check_columns(columns)?;
        Ok((
            Source::Columns(order.iter().map(|&k| columns[k].1).collect()),
            n,
        ))
    }

    fn rows_for<'a>(&self, names: &[&str], values: &'a [f64]) -> Result<(Source<'a>, usize)> {
        let order = self.order_of(names)?;
        let n = check_rows(names, values)?;
        let width = names.len();
        Ok((
            Source::Rows {
                values,
                width,
                order,
            },
            n,
        ))
    }

    /// `score_samples`: `-2^(-E[h]/c(max_samples))`, lower is more abnormal.
    pub fn score_samples(&self, columns: &[(&str, &[f64])]) -> Result<Vec<f64>> {
        let (cols, n) = self.columns_for(columns)?;
        Ok(self.score_columns(&cols, n))
    }

    /// [`score_samples`](IsolationForest::score_samples) of a row-major matrix (see
    /// [`fit_rows`](IsolationForest::fit_rows)).
    pub fn score_samples_rows(&self, names: &[&str], values: &[f64]) -> Result<Vec<f64>> {
        let (rows, n) = self.rows_for(names, values)?;
        Ok(self.score_columns(&rows, n))
    }

    /// `decision_function`: `score_samples - offset`; negative for anomalies.
    pub fn decision_function(&self, columns: &[(&str, &[f64])]) -> Result<Vec<f64>> {
        Ok(self.decisions(self.score_samples(columns)?))
    }

    /// [`decision_function`](IsolationForest::decision_function) of a row-major matrix.
    pub fn decision_function_rows(&self, names: &[&str], values: &[f64]) -> Result<Vec<f64>> {
        Ok(self.decisions(self.score_samples_rows(names, values)?))
    }

    /// `predict`: `+1` for inliers, `-1` for anomalies.
    pub fn predict(&self, columns: &[(&str, &[f64])]) -> Result<Vec<i8>> {
        Ok(labels(self.decision_function(columns)?))
    }

    /// [`predict`](IsolationForest::predict) of a row-major matrix.
    pub fn predict_rows(&self, names: &[&str], values: &[f64]) -> Result<Vec<i8>> {
        Ok(labels(self.decision_function_rows(names, values)?))
    }

    fn decisions(&self, mut scores: Vec<f64>) -> Vec<f64> {
        scores.iter_mut().for_each(|v| *v -= self.offset);
        scores
    }
}

/// `+1` where the decision is at least 0, else `-1`.
fn labels(decisions: Vec<f64>) -> Vec<i8> {
    decisions
        .into_iter()
        .map(|d| if d >= 0.0 { 1 } else { -1 })
        .collect()
}

/// The `q`-th percentile (0-100) with linear interpolation (numpy's default).
fn percentile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

/// Area under the ROC curve of `scores` (higher = more positive) for boolean `labels`, with ties
/// counted half (the Mann-Whitney statistic); `None` without both classes.
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut pos) = (0.0, 0usize);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if labels[k] {
                rank_sum += avg_rank;
                pos += 1;
            }
        }
        i = j + 1;
    }
    let neg = idx.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let (p, q) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

impl crate::options::Saved for IsolationForest {
    fn check_loaded(&self) -> Result<()> {
        self.check_structure()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_length_constants() {
        assert_eq!(average_path_length(1), 0.0);
        assert_eq!(average_path_length(2), 1.0);
        // scikit-learn's _average_path_length([256])
        assert!((average_path_length(256) - 10.244_770_920_119_917).abs() < 1e-9);
        assert_eq!(roc_auc(&[false, true], &[0.1, 0.9]), Some(1.0));
        assert_eq!(roc_auc(&[false, true, true], &[0.5, 0.5, 0.9]), Some(0.75));
        assert_eq!(roc_auc(&[true, true], &[0.5, 0.9]), None);
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_loaded_forest_with_a_broken_tree_is_refused() {
        let a: Vec<f64> = (0..300).map(|i| (i % 17) as f64).collect();
        let b: Vec<f64> = (0..300).map(|i| ((i * 7) % 29) as f64).collect();
        let cols = [("a", a.as_slice()), ("b", b.as_slice())];
        let forest = IsolationForest::fit(&cols, &IsolationForestParams::default()).unwrap();
        let json = serde_json::to_string(&forest).unwrap();
        let back: IsolationForest = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.score_samples(&cols).unwrap(),
            forest.score_samples(&cols).unwrap()
        );
        // a column the forest does not have, a child past the end, a cycle
        let mut broken = forest.clone();
        broken.trees[3].nodes[0].feature = 2;
        let mut past = forest.clone();
        let n = past.trees[0].nodes.len() as u32;
        past.trees[0].nodes[0].left = n;
        let mut cycle = forest.clone();
        let l = cycle.trees[1].nodes[0].left as usize;
        cycle.trees[1].nodes[l].left = 0;
        for bad in [broken, past, cycle] {
            let e = bad.score_samples(&cols).unwrap_err();
            assert_eq!(e.field(), Some("model"), "{e}");
        }
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn columns_match_by_name_in_any_order() {
        let a: Vec<f64> = (0..300).map(|i| (i % 17) as f64).collect();
        let b: Vec<f64> = (0..300).map(|i| ((i * 7) % 29) as f64 * 10.0).collect();
        let forest =
            IsolationForest::fit(&[("a", &a), ("b", &b)], &IsolationForestParams::default())
                .unwrap();
        let ordered = forest.score_samples(&[("a", &a), ("b", &b)]).unwrap();
        // the same columns, swapped, by name: the same scores
        assert_eq!(
            forest.score_samples(&[("b", &b), ("a", &a)]).unwrap(),
            ordered
        );
        // other names: by position
        assert_eq!(
            forest.score_samples(&[("x0", &a), ("x1", &b)]).unwrap(),
            ordered
        );
        assert_ne!(
            forest.score_samples(&[("x0", &b), ("x1", &a)]).unwrap(),
            ordered
        );
        assert!(forest.score_samples(&[("a", &a)]).is_err());
    }
    /// Scores through a given walker, with the forest's own blocks.
    fn scores_with(forest: &IsolationForest, walker: &Walker, cols: &[&[f64]]) -> Vec<f64> {
        let mut out = vec![0.0; cols[0].len()];
        let norm = average_path_length(forest.max_samples);
        forest.score_range(walker, &Source::Columns(cols.to_vec()), 0, &mut out, norm);
        out
    }

    /// The definition, one row at a time: follow the children to a leaf in every tree.
    fn naive_scores(forest: &IsolationForest, cols: &[&[f64]]) -> Vec<f64> {
        let norm = average_path_length(forest.max_samples);
        (0..cols[0].len())
            .map(|r| {
                let total: f64 = forest
                    .trees
                    .iter()
                    .map(|tree| {
                        let mut k = 0;
                        while tree.nodes[k].left as usize != k {
                            let nd = tree.nodes[k];
                            let right = cols[nd.feature as usize][r] > nd.threshold;
                            k = nd.left as usize + usize::from(right);
                        }
                        tree.leaf_path[k]
                    })
                    .sum();
                -(2f64.powf(-(total / forest.trees.len() as f64) / norm))
            })
            .collect()
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn both_walks_equal_the_definition() {
        // 1000 rows (a partial last block), 3 columns, one often constant, so that some leaves
        // end above full depth; every depth up to 10
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|j| {
                (0..1000)
                    .map(|i| {
                        let v = ((i * (7 + 4 * j) + 13 * j) % 101) as f64;
                        if j == 2 && i % 3 == 0 {
                            5.0
                        } else {
                            v * (j + 1) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let named: Vec<(&str, &[f64])> = ["a", "b", "c"]
            .into_iter()
            .zip(&cols)
            .map(|(n, c)| (n, c.as_slice()))
            .collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        for max_samples in [2, 3, 7, 64, 256, 1000] {
            let params = IsolationForestParams {
                n_estimators: 20,
                max_samples: Some(max_samples),
                ..IsolationForestParams::default()
            };
            let forest = IsolationForest::fit(&named, &params).unwrap();
            let expected = naive_scores(&forest, &refs);
            let flat = Walker::new(&forest.trees, forest.max_depth, 3);
            assert!(matches!(flat, Walker::Flat { .. }));
            let pointer = Walker::Pointer {
                depth: forest.max_depth,
                trees: &forest.trees,
                columns: 3,
            };
            assert_eq!(
                scores_with(&forest, &flat, &refs),
                expected,
                "{max_samples}"
            );
            assert_eq!(
                scores_with(&forest, &pointer, &refs),
                expected,
                "{max_samples}"
            );
            assert_eq!(forest.score_samples(&named).unwrap(), expected);
            // the same values as a row-major matrix: the same forest, the same scores
            let matrix: Vec<f64> = (0..1000)
                .flat_map(|r| refs.iter().map(move |c| c[r]))
                .collect();
            let names = ["a", "b", "c"];
            assert_eq!(
                IsolationForest::fit_rows(&names, &matrix, &params).unwrap(),
                forest
            );
            assert_eq!(
                forest.score_samples_rows(&names, &matrix).unwrap(),
                expected
            );
            assert_eq!(
                forest.predict_rows(&names, &matrix).unwrap(),
                forest.predict(&named).unwrap()
            );
        }
        // more columns than the flat walk takes: the child-index walk, through the same API
        let wide: Vec<Vec<f64>> = (0..FLAT_MAX_COLUMNS + 1)
            .map(|j| (0..300).map(|i| ((i * (3 + j)) % 37) as f64).collect())
            .collect();
        let names: Vec<String> = (0..wide.len()).map(|j| format!("x{j}")).collect();
        let named: Vec<(&str, &[f64])> = names
            .iter()
            .zip(&wide)
            .map(|(n, c)| (n.as_str(), c.as_slice()))
            .collect();
        let forest = IsolationForest::fit(&named, &IsolationForestParams::default()).unwrap();
        let refs: Vec<&[f64]> = wide.iter().map(|c| c.as_slice()).collect();
        assert!(matches!(
            Walker::new(&forest.trees, forest.max_depth, wide.len()),
            Walker::Pointer { .. }
        ));
        assert_eq!(
            forest.score_samples(&named).unwrap(),
            naive_scores(&forest, &refs)
        );
    }

    #[test]
    fn ranks_count_the_thresholds_below() {
        let spread: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 7.0 - 50.0)
            .collect();
        // fifty thresholds within one bucket, so that their ranks need the search
        let cluster: Vec<f64> = (0..50)
            .map(|i| 1.0 + i as f64 * 1e-12)
            .chain([0.0, 100.0])
            .collect();
        let sets = [
            vec![],
            vec![3.0],
            vec![0.0, -0.0, 1.0, 1.0, -2.5],
            cluster,
            spread,
            // a range wider than f64 holds, and infinite thresholds: one bucket
            vec![-f64::MAX, f64::MAX, 0.0],
            vec![f64::NEG_INFINITY, 0.0, f64::INFINITY],
        ];
        for thresholds in sets {
            let cuts = Cuts::new(thresholds.clone());
            let mut distinct = thresholds.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup_by(|a, b| a == b);
            assert_eq!(cuts.len(), distinct.len());
            // every threshold, its neighbours, and values outside the range
            let mut probes = vec![-f64::MAX, -1e300, -7.0, 0.0, 42.0, 1e300, f64::MAX];
            for &t in thresholds.iter().filter(|t| t.is_finite()) {
                probes.extend([t, t.next_down(), t.next_up()]);
            }
            for &x in probes.iter().filter(|x| x.is_finite()) {
                let below = distinct.iter().filter(|&&t| t < x).count();
                assert_eq!(cuts.rank(x) as usize, below, "{x} in {thresholds:?}");
                for &t in &distinct {
                    assert_eq!(cuts.rank(x) > cuts.position(t), x > t, "{x} > {t}");
                }
            }
        }
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn rows_on_a_threshold_go_left_as_in_the_definition() {
        let cols: Vec<Vec<f64>> = (0..4)
            .map(|j| {
                (0..2000)
                    .map(|i| ((i * (11 + j)) % 97) as f64 * 0.25)
                    .collect()
            })
            .collect();
        let named: Vec<(&str, &[f64])> = ["a", "b", "c", "d"]
            .into_iter()
            .zip(&cols)
            .map(|(n, c)| (n, c.as_slice()))
            .collect();
        let forest = IsolationForest::fit(&named, &IsolationForestParams::default()).unwrap();
        // rows made of the forest's thresholds and their neighbours, in every column
        let mut values: Vec<f64> = forest
            .trees
            .iter()
            .flat_map(|t| &t.nodes)
            .filter(|n| n.threshold < f64::MAX)
            .flat_map(|n| [n.threshold, n.threshold.next_down(), n.threshold.next_up()])
            .collect();
        values.truncate(3000);
        let rows: Vec<Vec<f64>> = (0..4)
            .map(|j| {
                (0..values.len())
                    .map(|i| values[(i * (j + 1)) % values.len()])
                    .collect()
            })
            .collect();
        let refs: Vec<&[f64]> = rows.iter().map(|c| c.as_slice()).collect();
        let flat = Walker::new(&forest.trees, forest.max_depth, 4);
        assert!(matches!(flat, Walker::Flat { .. }));
        assert_eq!(
            scores_with(&forest, &flat, &refs),
            naive_scores(&forest, &refs)
        );
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_matrix_is_checked_and_read_by_name() {
        let a: Vec<f64> = (0..300).map(|i| ((i * 7) % 31) as f64).collect();
        let b: Vec<f64> = (0..300).map(|i| ((i * 11) % 17) as f64 * 2.5).collect();
        let named = [("a", a.as_slice()), ("b", b.as_slice())];
        let forest = IsolationForest::fit(&named, &IsolationForestParams::default()).unwrap();
        // the columns swapped, with their names: read by name
        let swapped: Vec<f64> = (0..300).flat_map(|r| [b[r], a[r]]).collect();
        assert_eq!(
            forest.score_samples_rows(&["b", "a"], &swapped).unwrap(),
            forest.score_samples(&named).unwrap()
        );
        let p = IsolationForestParams::default();
        let err = IsolationForest::fit_rows(&["a", "b"], &[1.0, 2.0, 3.0], &p).unwrap_err();
        assert!(err.to_string().contains("values"), "{err}");
        let mut bad = swapped.clone();
        bad[5] = f64::NAN;
        match IsolationForest::fit_rows(&["b", "a"], &bad, &p) {
            Err(Error::NonFinite { column, index, .. }) => {
                assert_eq!((column.as_str(), index), ("a", 2))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            forest.score_samples_rows(&["a"], &a),
            Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            IsolationForest::fit_rows(&[], &[], &p),
            Err(Error::EmptySeries { .. })
        ));
    }
}
