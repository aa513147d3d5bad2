//! Migrations are embedded into the binary by refinery's macro, which Cargo cannot see:
//! rebuild whenever the migrations directory changes.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
