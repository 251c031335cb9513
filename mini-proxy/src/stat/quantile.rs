//! `histogram_quantile`, Prometheus' way: find the bucket where the `q`-th observation falls and
//! interpolate linearly inside it, from the bucket below's bound (0 for the first bucket) to its own.
//! An observation past the last finite bound yields that bound; no observations yield nothing, where
//! Prometheus yields NaN and `linkerd viz stat` prints `-`.

/// The `q` quantile (0 to 1) of cumulative `buckets`: (upper bound, count of observations at or below
/// it), in any order, `+Inf` among them.
pub fn histogram_quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let mut sorted: Vec<(f64, f64)> = buckets.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let &(last_bound, total) = sorted.last()?;
    if last_bound != f64::INFINITY || total <= 0.0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let rank = q * total;
    let index = sorted.iter().position(|&(_, count)| count >= rank)?;
    if index == sorted.len() - 1 {
        // In the +Inf bucket: the highest finite bound is all that is known.
        return Some(if index == 0 { 0.0 } else { sorted[index - 1].0 });
    }
    let (upper, count) = sorted[index];
    let (lower, below) = if index == 0 { (0.0, 0.0) } else { sorted[index - 1] };
    if index == 0 && upper <= 0.0 {
        return Some(upper);
    }
    let in_bucket = count - below;
    if in_bucket <= 0.0 {
        return Some(upper);
    }
    Some(lower + (upper - lower) * (rank - below) / in_bucket)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INF: f64 = f64::INFINITY;

    /// Interpolation inside a bucket, the first bucket from 0, the +Inf bucket's fallback, no data.
    #[test]
    fn as_prometheus_computes_it() {
        let buckets = [(1.0, 0.0), (2.0, 50.0), (5.0, 90.0), (10.0, 100.0), (INF, 100.0)];
        assert_eq!(histogram_quantile(0.5, &buckets), Some(2.0));
        assert_eq!(histogram_quantile(0.25, &buckets), Some(1.5));
        assert_eq!(histogram_quantile(0.95, &buckets), Some(7.5));
        let first = [(10.0, 4.0), (INF, 4.0)];
        assert_eq!(histogram_quantile(0.5, &first), Some(5.0));
        let overflow = [(1.0, 1.0), (5.0, 1.0), (INF, 10.0)];
        assert_eq!(histogram_quantile(0.99, &overflow), Some(5.0));
        assert_eq!(histogram_quantile(0.5, &[(1.0, 0.0), (INF, 0.0)]), None);
        assert_eq!(histogram_quantile(0.5, &[(1.0, 3.0)]), None, "no +Inf bucket");
        let shuffled = [(INF, 100.0), (5.0, 90.0), (2.0, 50.0), (10.0, 100.0), (1.0, 0.0)];
        assert_eq!(histogram_quantile(0.95, &shuffled), Some(7.5));
    }
}
