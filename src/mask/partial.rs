//! `partial`: keep the ends of a value, mask the middle.

/// Keep `keep_start` leading and `keep_end` trailing characters and replace
/// every character between them with `with`. A value too short to have a
/// middle is masked whole, so nothing leaks from short values.
pub fn partial(input: &str, keep_start: usize, keep_end: usize, with: char, out: &mut String) {
    let n = input.chars().count();
    if n <= keep_start + keep_end {
        out.extend(std::iter::repeat_n(with, n));
        return;
    }
    for (i, c) in input.chars().enumerate() {
        if i < keep_start || i >= n - keep_end {
            out.push(c);
        } else {
            out.push(with);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_ends() {
        let mut s = String::new();
        partial("GB29 NWBK 6016", 4, 2, 'X', &mut s);
        assert_eq!(s, "GB29XXXXXXXX16");
        s.clear();
        partial("abc", 2, 2, '*', &mut s);
        assert_eq!(s, "***");
        s.clear();
        partial("ünï", 1, 0, '#', &mut s);
        assert_eq!(s, "ü##");
    }
}
