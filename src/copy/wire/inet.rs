//! inet and cidr: family, bits, a cidr flag, the address length and the
//! address. Printed as network_out prints them (all four IPv4 octets, IPv6
//! with its longest run of two or more zero groups shortened and an
//! embedded IPv4 address in dotted form, `/bits` unless a whole inet
//! host; always for cidr).

use bytes::BufMut;

use super::{bad, WireError};

/// PostgreSQL's own family numbers (not the platform's).
const FAMILY_V4: u8 = 2;
const FAMILY_V6: u8 = 3;

/// Append the text of a binary inet or cidr.
pub(super) fn decode(raw: &[u8], cidr: bool, out: &mut String) -> Result<(), WireError> {
    let [family, bits, _flag, len, addr @ ..] = raw else {
        return Err(bad("inet value too short"));
    };
    let max = match (*family, addr.len()) {
        (FAMILY_V4, 4) => 32,
        (FAMILY_V6, 16) => 128,
        _ => return Err(bad("unknown inet family or length")),
    };
    if usize::from(*len) != addr.len() || *bits > max {
        return Err(bad("inet value of the wrong length"));
    }
    if max == 32 {
        let a: Vec<String> = addr.iter().map(u8::to_string).collect();
        out.push_str(&a.join("."));
    } else {
        ipv6(addr, out);
    }
    if cidr || *bits != max {
        out.push_str(&format!("/{bits}"));
    }
    Ok(())
}

/// An IPv6 address as PostgreSQL's inet_net_ntop writes it.
fn ipv6(addr: &[u8], out: &mut String) {
    let words: Vec<u16> = addr
        .chunks(2)
        .map(|w| u16::from_be_bytes([w[0], w[1]]))
        .collect();
    // The longest run of zero words (the first of equal runs), if 2 or more.
    // Runs as (first word, length).
    let mut best: Option<(usize, usize)> = None;
    let mut cur: Option<(usize, usize)> = None;
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            cur = Some(cur.map_or((i, 1), |(b, l)| (b, l + 1)));
        } else if let Some(c) = cur.take() {
            if best.is_none_or(|b| c.1 > b.1) {
                best = Some(c);
            }
        }
    }
    if let Some(c) = cur {
        if best.is_none_or(|b| c.1 > b.1) {
            best = Some(c);
        }
    }
    let best = best.filter(|b| b.1 >= 2);
    for (i, &w) in words.iter().enumerate() {
        if let Some((base, len)) = best {
            if i >= base && i < base + len {
                if i == base {
                    out.push(':');
                }
                continue;
            }
        }
        if i != 0 {
            out.push(':');
        }
        let embedded = i == 6
            && best.is_some_and(|(base, len)| {
                base == 0
                    && (len == 6 || (len == 7 && words[7] != 1) || (len == 5 && words[5] == 0xffff))
            });
        if embedded {
            let a: Vec<String> = addr[12..].iter().map(u8::to_string).collect();
            out.push_str(&a.join("."));
            return;
        }
        out.push_str(&format!("{w:x}"));
    }
    if best.is_some_and(|(base, len)| base + len == 8) {
        out.push(':');
    }
}

/// Append the binary form of an inet or cidr text: a dotted-quad IPv4 or
/// an IPv6 address, with `/bits` (required for cidr, whose host bits must
/// be zero).
pub(super) fn encode(text: &str, cidr: bool, out: &mut Vec<u8>) -> Result<(), WireError> {
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) => {
            if b.is_empty() || b.len() > 3 || !b.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad("not an address/bits"));
            }
            (
                a,
                Some(b.parse::<u8>().map_err(|_| bad("bits out of range"))?),
            )
        }
        None if cidr => return Err(bad("a cidr value without /bits")),
        None => (text, None),
    };
    let (family, bytes): (u8, Vec<u8>) = if addr.contains(':') {
        let a: std::net::Ipv6Addr = addr.parse().map_err(|_| bad("not an IPv6 address"))?;
        (FAMILY_V6, a.octets().to_vec())
    } else {
        (FAMILY_V4, ipv4(addr)?.to_vec())
    };
    let max = (bytes.len() * 8) as u8;
    let bits = bits.unwrap_or(max);
    if bits > max {
        return Err(bad("bits out of range"));
    }
    if cidr && !host_bits_zero(&bytes, bits) {
        return Err(bad("a cidr value with bits set to the right of its mask"));
    }
    out.put_u8(family);
    out.put_u8(bits);
    out.put_u8(u8::from(cidr));
    out.put_u8(bytes.len() as u8);
    out.put_slice(&bytes);
    Ok(())
}

/// Four decimal octets.
fn ipv4(s: &str) -> Result<[u8; 4], WireError> {
    let mut a = [0u8; 4];
    let mut n = 0;
    for part in s.split('.') {
        if n == 4 || part.is_empty() || part.len() > 3 || !part.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(bad("not an IPv4 address"));
        }
        a[n] = part.parse().map_err(|_| bad("not an IPv4 address"))?;
        n += 1;
    }
    if n != 4 {
        return Err(bad("not an IPv4 address"));
    }
    Ok(a)
}

fn host_bits_zero(bytes: &[u8], bits: u8) -> bool {
    bytes.iter().enumerate().all(|(i, &b)| {
        let start = i * 8;
        let keep = usize::from(bits).saturating_sub(start).min(8);
        let mask = if keep == 8 { 0 } else { 0xffu8 >> keep };
        b & mask == 0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(t: &str, cidr: bool) -> String {
        let mut b = Vec::new();
        encode(t, cidr, &mut b).unwrap();
        let mut s = String::new();
        decode(&b, cidr, &mut s).unwrap();
        s
    }

    #[test]
    fn addresses_print_as_postgres_prints_them() {
        assert_eq!(round("192.168.1.1/24", false), "192.168.1.1/24");
        assert_eq!(round("192.168.1.1", false), "192.168.1.1");
        assert_eq!(round("10.0.0.0/8", true), "10.0.0.0/8");
        assert_eq!(round("::1", false), "::1");
        assert_eq!(round("::/0", true), "::/0");
        assert_eq!(round("::ffff:1.2.3.4", false), "::ffff:1.2.3.4");
        assert_eq!(round("::1.2.3.4", false), "::1.2.3.4");
        assert_eq!(round("2001:db8:0:0:1:0:0:1", false), "2001:db8::1:0:0:1");
        assert_eq!(round("2001:db8:0:1:1:1:1:1", false), "2001:db8:0:1:1:1:1:1");
        assert_eq!(round("fe80::/64", true), "fe80::/64");
        let mut b = Vec::new();
        assert!(encode("10.0.0.1/8", true, &mut b).is_err());
        assert!(encode("10.0.0/8", false, &mut b).is_err());
        assert!(encode("10.0.0.1/33", false, &mut b).is_err());
    }
}
