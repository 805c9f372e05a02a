//! `include/seqch.h` is exactly what cbindgen generates from this crate
//! (regenerate with `SEQCH_BLESS=1 cargo test -p seqch-ffi --test header`).

use std::path::Path;

#[test]
fn checked_in_header_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen")
        .write(&mut generated);
    let header = crate_dir.join("../../include/seqch.h");
    if std::env::var("SEQCH_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&header, &generated).unwrap();
    }
    let checked_in = std::fs::read(&header).unwrap_or_default();
    assert!(
        checked_in == generated,
        "include/seqch.h differs from the generated header: run SEQCH_BLESS=1 cargo test -p seqch-ffi --test header"
    );
}
