//! A small line diff (longest common subsequence) so a failing row shows exactly which lines differ.

/// Unified-style listing of `bind` versus `ours`: `  ` common, `- ` only BIND's, `+ ` only ours.
pub fn lines(bind: &str, ours: &str) -> String {
    let a: Vec<&str> = bind.lines().collect();
    let b: Vec<&str> = ours.lines().collect();
    // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("    {}\n", a[i]));
            (i, j) = (i + 1, j + 1);
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("  - {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("  + {}\n", b[j]));
            j += 1;
        }
    }
    if bind.ends_with('\n') != ours.ends_with('\n') {
        out.push_str("  (final newline differs)\n");
    }
    out
}
