//! Logging in to a fresh server over the wire protocol, without a client
//! library, to see that it accepts connections.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Log in to database `postgres` as user `postgres` on 127.0.0.1:`port`
/// with the frontend/backend protocol, until ReadyForQuery; then say
/// goodbye. Blocking, with short timeouts.
pub(super) fn probe(port: u16) -> Result<(), String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).map_err(|e| e.to_string())?;
    let timeout = Some(Duration::from_secs(3));
    stream
        .set_read_timeout(timeout)
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(timeout)
        .map_err(|e| e.to_string())?;

    let mut body = 196_608u32.to_be_bytes().to_vec(); // protocol 3.0
    for (key, value) in [("user", "postgres"), ("database", "postgres")] {
        body.extend_from_slice(key.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    body.push(0);
    let len = u32::try_from(body.len() + 4).map_err(|e| e.to_string())?;
    let mut startup = len.to_be_bytes().to_vec();
    startup.extend_from_slice(&body);
    stream.write_all(&startup).map_err(|e| e.to_string())?;

    loop {
        let mut header = [0u8; 5];
        stream
            .read_exact(&mut header)
            .map_err(|e| format!("reading the server's answer: {e}"))?;
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if !(4..=1 << 20).contains(&len) {
            return Err(format!("unexpected message length {len} from the server"));
        }
        let mut payload = vec![0u8; len - 4];
        stream
            .read_exact(&mut payload)
            .map_err(|e| format!("reading the server's answer: {e}"))?;
        match header[0] {
            b'R' => {
                let code = payload
                    .get(..4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                    .unwrap_or(u32::MAX);
                if code != 0 {
                    return Err(format!(
                        "the server asks for authentication (method {code}), trust was expected"
                    ));
                }
            }
            b'Z' => {
                // Terminate; the server closes the connection.
                let _ = stream.write_all(&[b'X', 0, 0, 0, 4]);
                return Ok(());
            }
            b'E' => return Err(error_message(&payload)),
            _ => {} // ParameterStatus, BackendKeyData, NoticeResponse
        }
    }
}

/// The severity and message fields of an ErrorResponse.
pub(super) fn error_message(payload: &[u8]) -> String {
    let mut severity = "";
    let mut message = String::new();
    for field in payload.split(|b| *b == 0) {
        match field.split_first() {
            Some((b'S', value)) => severity = std::str::from_utf8(value).unwrap_or(""),
            Some((b'M', value)) => message = String::from_utf8_lossy(value).into_owned(),
            _ => {}
        }
    }
    format!("server error: {severity} {message}")
        .trim()
        .to_string()
}
