//! Industry chains (一产一档): the default templates' GB/T 4754 codes exist in the standard's code tree (read from
//! ../shared when present), and every firm of the sample county's register is placed on a link of its own chain
//! and tier by its industry code alone.

mod common;

use yitu::core::analysis::chain::{check_register, place, Firm, Rule};
use yitu::core::model::chain::{default_chains, IndustryCodes};

#[test]
fn every_default_code_is_in_gbt_4754() {
    let path = common::root().join("../shared/realdata/industry/zmshe-capital/trade_flat.csv");
    let Ok(text) = std::fs::read_to_string(&path) else {
        common::skip(
            "chain codes against GB/T 4754",
            "../shared/realdata not present",
        );
        return;
    };
    let tree = IndustryCodes::from_csv(&text).unwrap();
    assert_eq!(tree.len(), 1971, "20 门类, 97 大类, 473 中类, 1381 小类");
    assert_eq!(tree.lineage("1952"), ["1952", "195", "19", "C"]);
    for c in default_chains() {
        for l in &c.links {
            for code in &l.codes {
                assert!(tree.contains(code), "{} {}: {code}", c.name, l.name);
            }
        }
    }
}

#[test]
fn the_sample_register_lands_on_its_chains_and_tiers() {
    let gpkg = common::root().join("sample-data/xianyou_sample.gpkg");
    let layer = yitu::core::io::read::load_layer(
        &gpkg,
        Some("enterprises"),
        &yitu::core::model::progress::Progress::new(),
    )
    .unwrap();
    let a = &layer.attrs;
    let col = |n: &str| a.field_index(n).unwrap();
    let chains = default_chains();
    let mut firms = vec![];
    for i in 0..layer.len() {
        firms.push(Firm {
            name: a.get(i, col("name")).to_string(),
            credit_code: a.get(i, col("credit_code")).to_string(),
            industry_code: a.get(i, col("industry_code")).to_string(),
            ..Default::default()
        });
    }
    let placed: Vec<_> = firms.iter().map(|f| place(&chains, f, None)).collect();
    assert!(firms.len() >= 40);
    for (i, p) in placed.iter().enumerate() {
        let (chain, tier) = (
            a.get(i, col("chain")).to_string(),
            a.get(i, col("link")).to_string(),
        );
        let on = p.iter().find(|x| x.chain == chain).unwrap_or_else(|| {
            panic!(
                "{} ({}) not on {chain}: {p:?}",
                firms[i].name, firms[i].industry_code
            )
        });
        let link = chains
            .iter()
            .find(|c| c.name == chain)
            .and_then(|c| c.link(&on.link))
            .unwrap();
        assert_eq!(link.tier.label(), tier, "{}", firms[i].name);
        assert!(matches!(on.rule, Rule::Code(_)));
    }
    // The sample's register is clean: valid credit codes, no duplicates, every firm placed.
    assert_eq!(check_register(&firms, &placed, None), Vec::<String>::new());
}
