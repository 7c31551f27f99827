//! How long one deadline costs. Run: `cargo bench -p xiezhi-core`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use xiezhi_core::{compute, resolve, Calendar, DeadlineRequest, MakeUpDayPolicy, RuleId, Start};

fn bench(c: &mut Criterion) {
    let cal = Calendar::bundled(MakeUpDayPolicy::WorkingDay);
    let mut g = c.benchmark_group("deadline");
    g.throughput(Throughput::Elements(1));
    for (rule, start, held) in
        [("criminal.prosecution_review", "2025-09-01", false), ("criminal.arrest_approval", "2025-09-24", true), ("hotline.12345", "2026-02-12", false)]
    {
        let rule = RuleId::parse(rule).unwrap().rule();
        let start = Start::parse(start).unwrap();
        let req = DeadlineRequest { rule, start, in_custody: held, extended: false };
        // The dates alone, as case clocks need them; then with the explanation shown to people.
        g.bench_function(format!("due {}", rule.id), |b| b.iter(|| resolve(black_box(req), &cal).unwrap().due));
        g.bench_function(format!("explained {}", rule.id), |b| b.iter(|| compute(black_box(req), &cal).unwrap().due));
    }
    g.bench_function("is_rest_day", |b| b.iter(|| cal.is_rest_day(black_box(time::macros::date!(2026 - 02 - 17))).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
