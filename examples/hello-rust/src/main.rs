//! Hello world for Keel: Rust std, built for x86_64-unknown-linux-musl (see the README).

fn main() {
    let threads: Vec<_> = (1..=3).map(|i| std::thread::spawn(move || i * i)).collect();
    let sum: i32 = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    println!("hello from Rust on {}, 1+4+9 = {sum}", host.trim());
}
