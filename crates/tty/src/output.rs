//! Output processing (`OPOST` and the `c_oflag` bits Linux's N_TTY implements that matter on a
//! modern terminal): `ONLCR` (NL -> CR NL), `OCRNL` (CR -> NL), `ONOCR` (no CR at column 0),
//! `ONLRET` (NL also returns the carriage). The column is tracked so that echoed erases of tabs
//! and control characters can be undone exactly.

use alloc::vec::Vec;

use keel_abi::termios::{Termios, OCRNL, OLCUC, ONLCR, ONLRET, ONOCR, OPOST, XTABS};

/// Appends `buf` as the wire should carry it to `out`, starting at `column`; returns the new
/// column.
pub fn process_output(t: &Termios, mut column: usize, buf: &[u8], out: &mut Vec<u8>) -> usize {
    let o = t.c_oflag;
    if o & OPOST == 0 {
        out.extend_from_slice(buf);
        return column;
    }
    for &b in buf {
        match b {
            b'\n' => {
                if o & ONLCR != 0 {
                    out.extend_from_slice(b"\r\n");
                    column = 0;
                } else {
                    out.push(b'\n');
                    if o & ONLRET != 0 {
                        column = 0;
                    }
                }
            }
            b'\r' => {
                if o & ONOCR != 0 && column == 0 {
                    continue;
                }
                if o & OCRNL != 0 {
                    out.push(b'\n');
                    if o & ONLRET != 0 {
                        column = 0;
                    }
                } else {
                    out.push(b'\r');
                    column = 0;
                }
            }
            b'\t' => {
                let next = (column | 7) + 1;
                if o & XTABS == XTABS {
                    out.resize(out.len() + (next - column), b' ');
                } else {
                    out.push(b'\t');
                }
                column = next;
            }
            8 => {
                out.push(8);
                column = column.saturating_sub(1);
            }
            b if b < 0x20 || b == 0x7f => out.push(b),
            // UTF-8 continuation bytes take no column.
            b if b & 0xc0 == 0x80 => out.push(b),
            b => {
                out.push(if o & OLCUC != 0 {
                    b.to_ascii_uppercase()
                } else {
                    b
                });
                column += 1;
            }
        }
    }
    column
}
