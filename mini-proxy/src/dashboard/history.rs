//! The latency chart's memory: the last few points, oldest first, in a ring that never grows past its
//! capacity however long the dashboard runs.

use std::collections::VecDeque;

/// How many points the chart keeps: two minutes at the default 2 s interval.
pub const HISTORY_POINTS: usize = 60;

/// A bounded sequence of points; pushing onto a full one forgets the oldest.
#[derive(Clone, Debug)]
pub struct History<T> {
    points: VecDeque<T>,
    capacity: usize,
}

impl<T> History<T> {
    /// An empty history of at most `capacity` points (at least one).
    pub fn new(capacity: usize) -> History<T> {
        let capacity = capacity.max(1);
        History { points: VecDeque::with_capacity(capacity), capacity }
    }

    /// Adds the newest point, dropping the oldest when full.
    pub fn push(&mut self, point: T) {
        if self.points.len() == self.capacity {
            self.points.pop_front();
        }
        self.points.push_back(point);
    }

    /// The points, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.points.iter()
    }

    /// How many points are held.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether no point has been pushed yet.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points stay in order; past the capacity the oldest go first.
    #[test]
    fn keeps_the_newest_points_in_order() {
        let mut history = History::new(3);
        assert!(history.is_empty());
        for point in 1..=2 {
            history.push(point);
        }
        assert_eq!(history.iter().copied().collect::<Vec<_>>(), [1, 2]);
        for point in 3..=7 {
            history.push(point);
        }
        assert_eq!(history.iter().copied().collect::<Vec<_>>(), [5, 6, 7]);
        assert_eq!(history.len(), 3);
    }

    /// A capacity of zero still keeps the latest point rather than panicking or keeping nothing.
    #[test]
    fn zero_capacity_keeps_one() {
        let mut history = History::new(0);
        history.push("a");
        history.push("b");
        assert_eq!(history.iter().copied().collect::<Vec<_>>(), ["b"]);
    }
}
