//! The password from a .pgpass file, matched as libpq matches it.

use std::path::Path;

use super::ConnInfo;

/// The password for `info` from a .pgpass file: `host:port:db:user:password`
/// lines, `*` wildcards, `\:` and `\\` escapes, first match wins; a unix
/// socket host matches `localhost`. Ignored when group- or world-readable.
pub(super) fn pgpass_lookup(path: &Path, info: &ConnInfo) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                "password file {} has group or world access; it is ignored (chmod 0600 it)",
                path.display()
            );
            return None;
        }
    }
    if !meta.is_file() {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let host = if info.host.starts_with('/') {
        "localhost".to_string()
    } else {
        info.host.clone()
    };
    let port = info.port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let m = |pat: &str, v: &str| pat == "*" || pat == v;
        if m(&fields[0], &host)
            && m(&fields[1], &port)
            && m(&fields[2], &info.dbname)
            && m(&fields[3], &info.user)
        {
            return Some(fields[4..].join(":"));
        }
    }
    None
}

/// One line's fields: `:` separates the first four, `\` escapes.
fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if let Some(f) = fields.last_mut() {
                        f.push(n);
                    }
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}
