//! Aligned text tables for the terminal.

use std::io::Write;

/// A plain aligned text table: text columns left-aligned, numbers right-aligned.
pub struct Table {
    heads: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(heads: impl IntoIterator<Item = S>) -> Self {
        Self {
            heads: heads.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn print(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let widths: Vec<usize> = (0..self.heads.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                    .chain([self.heads[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || ",.%-".contains(c));
        let line = |cells: &[String], out: &mut dyn Write| -> std::io::Result<()> {
            let mut parts = Vec::new();
            for (i, w) in widths.iter().enumerate() {
                let c = cells.get(i).map_or("", String::as_str);
                parts.push(if numeric(c) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                });
            }
            writeln!(out, "{}", parts.join("  ").trim_end())
        };
        line(&self.heads, out)?;
        writeln!(
            out,
            "{}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
        )?;
        for r in &self.rows {
            line(r, out)?;
        }
        Ok(())
    }
}
