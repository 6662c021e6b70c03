//! Times the phases of loading the embedded bundle (a diagnostic for
//! performance work): `cargo run --release -p pdao --example load_phases`.
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let bundle = pdao::Bundle::embedded()?;
    let load = t.elapsed();
    let t = Instant::now();
    let engine = pdao::Engine::new(bundle);
    let prepare = t.elapsed();
    let text = std::fs::read_to_string("examples/hangzhou-apply.json")?;
    let request = engine.parse_request(&text)?;
    let t = Instant::now();
    let n = 2000;
    for _ in 0..n {
        std::hint::black_box(engine.decide(&request));
    }
    let decide = t.elapsed() / n;
    println!("bundle load+validate: {load:?}; prepare: {prepare:?}; decide: {decide:?}");
    Ok(())
}
