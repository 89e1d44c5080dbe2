//! How the tap shows bytes: printable text as it is, between quotes; `\n`,
//! `\r`, `\t`, `\"`, `\\` and every other byte escaped (`\x00`, and `\xc3`
//! for each byte of a character cut in two by a split); a long chunk as its
//! start and its end.

/// At most this many bytes of a chunk are shown whole.
const WHOLE: usize = 64;
/// Of a longer chunk, its first and its last bytes.
const HEAD: usize = 40;
const TAIL: usize = 16;

/// `bytes` quoted and escaped: `"hola\n"`, or `"xxxx"..."xx\n"` when long
/// (the line that shows it also says how many bytes there are).
pub fn show(bytes: &[u8]) -> String {
    if bytes.len() <= WHOLE {
        return quoted(bytes);
    }
    let head = &bytes[..HEAD];
    let tail = &bytes[bytes.len() - TAIL..];
    format!("{}...{}", quoted(head), quoted(tail))
}

fn quoted(bytes: &[u8]) -> String {
    let mut shown = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => shown.push_str("\\n"),
                '\r' => shown.push_str("\\r"),
                '\t' => shown.push_str("\\t"),
                '"' => shown.push_str("\\\""),
                '\\' => shown.push_str("\\\\"),
                // control characters (and DEL) as the bytes they are
                c if c.is_control() => {
                    let mut utf8 = [0; 4];
                    for byte in c.encode_utf8(&mut utf8).bytes() {
                        shown.push_str(&format!("\\x{byte:02x}"));
                    }
                }
                c => shown.push(c),
            }
        }
        // bytes that are not UTF-8: the byte of a character split in two,
        // or binary data
        for byte in chunk.invalid() {
            shown.push_str(&format!("\\x{byte:02x}"));
        }
    }
    shown.push('"');
    shown
}

#[cfg(test)]
mod tests {
    use super::show;

    #[test]
    fn shows_printable_text_as_it_is_between_quotes() {
        assert_eq!(show("¿qué tal?".as_bytes()), "\"¿qué tal?\"");
    }

    #[test]
    fn escapes_line_ends_tabs_quotes_and_backslashes() {
        assert_eq!(show(b"a\r\n\t\"\\"), r#""a\r\n\t\"\\""#);
    }

    #[test]
    fn shows_other_bytes_as_hex_escapes() {
        assert_eq!(show(b"\x00\x1b\x7f\xff"), r#""\x00\x1b\x7f\xff""#);
    }

    #[test]
    fn shows_each_byte_of_a_character_cut_in_two() {
        // "ó" is 0xc3 0xb3: --split can cut it
        assert_eq!(show(b"adi\xc3"), r#""adi\xc3""#);
        assert_eq!(show(b"\xb3s\n"), r#""\xb3s\n""#);
    }

    #[test]
    fn shortens_a_long_chunk_to_its_start_and_its_end() {
        let mut line = vec![b'x'; 2999];
        line.push(b'\n');
        let shown = show(&line);
        assert_eq!(
            shown,
            format!("\"{}\"...\"{}\\n\"", "x".repeat(40), "x".repeat(15))
        );
    }
}
