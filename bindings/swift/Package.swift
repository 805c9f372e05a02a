// swift-tools-version:5.9
// Swift bindings for libseqch: a system-library target over include/seqch.h and a thin wrapper.
// Build libseqch first (cargo build --release -p seqch-ffi) and point the linker at it, e.g.
//   swift build -Xlinker -L../../target/release
import PackageDescription

let package = Package(
    name: "Seqch",
    products: [.library(name: "Seqch", targets: ["Seqch"])],
    targets: [
        .systemLibrary(name: "CSeqch", path: "Sources/CSeqch"),
        .target(name: "Seqch", dependencies: ["CSeqch"], path: "Sources/Seqch"),
    ]
)
