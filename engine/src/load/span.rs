//! Positions in a bundle file: the 1-based line and column of a byte
//! offset, and the offset where a line starts. Every problem the loader
//! reports is located with these.

/// The 1-based line and column (counted in characters) of byte `offset` in
/// `text`. An offset past the end is the end; one inside a character is
/// read as the start of the text.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    line_column(text, offset).0
}

/// The byte offset where 1-based `line` starts (the end of the text for a
/// line past the last).
pub(crate) fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let text = "ab\n数据c\n\nx";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (1, 3));
        assert_eq!(line_column(text, 3), (2, 1));
        // `c` follows two three-byte characters: byte 9, column 3.
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 11), (3, 1));
        assert_eq!(line_column(text, 12), (4, 1));
        assert_eq!(line_column(text, 999), (4, 2));
        // Inside a character: the start of the text.
        assert_eq!(line_column(text, 4), (1, 1));
        assert_eq!(line_of(text, 12), 4);
    }

    #[test]
    fn a_line_starts_after_the_newline_before_it() {
        let text = "ab\n数据c\n\nx";
        for line in 1..=4 {
            assert_eq!(line_of(text, line_start(text, line)), line);
        }
        assert_eq!(line_start(text, 2), 3);
        assert_eq!(line_start(text, 4), 12);
        assert_eq!(line_start(text, 9), text.len());
    }
}
