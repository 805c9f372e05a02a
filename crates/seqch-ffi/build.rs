//! On macOS the library's install name is `@rpath/libseqch.dylib`, as the C++ original's was.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libseqch.dylib");
    }
}
