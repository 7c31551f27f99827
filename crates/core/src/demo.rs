//! The demo province: clearly fictional (示范省, code 99, which no real province uses), the size
//! of the real platforms — 12 cities and 103 counties — with every kind of unit and one demo
//! user per unit. Deterministic for a given seed.

use crate::{RegionCode, RegionLevel, Role, UnitKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRegion {
    pub code: RegionCode,
    pub parent: Option<RegionCode>,
    pub level: RegionLevel,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUnit {
    pub region: RegionCode,
    pub kind: UnitKind,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub unit_name: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DemoOrg {
    pub regions: Vec<DemoRegion>,
    pub units: Vec<DemoUnit>,
    pub users: Vec<DemoUser>,
}

pub const PROVINCE: u32 = 99;
pub const CITIES: usize = 12;
pub const COUNTIES: usize = 103;

/// SplitMix64: tiny, and stable forever, so a seed means the same province in every release.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

const FIRST: &[(&str, &str)] = &[
    ("青", "Qing"),
    ("白", "Bai"),
    ("松", "Song"),
    ("临", "Lin"),
    ("安", "An"),
    ("望", "Wang"),
    ("石", "Shi"),
    ("金", "Jin"),
    ("云", "Yun"),
    ("长", "Chang"),
    ("北", "Bei"),
    ("南", "Nan"),
    ("东", "Dong"),
    ("西", "Xi"),
    ("平", "Ping"),
    ("和", "He"),
    ("宁", "Ning"),
    ("泉", "Quan"),
    ("丰", "Feng"),
    ("兴", "Xing"),
    ("桃", "Tao"),
    ("柳", "Liu"),
    ("梅", "Mei"),
    ("鹤", "He"),
    ("龙", "Long"),
    ("麦", "Mai"),
    ("禾", "He"),
    ("枫", "Feng"),
    ("槐", "Huai"),
    ("榆", "Yu"),
];
const SECOND: &[(&str, &str)] = &[
    ("川", "chuan"),
    ("鹿", "lu"),
    ("岭", "ling"),
    ("泽", "ze"),
    ("阳", "yang"),
    ("海", "hai"),
    ("门", "men"),
    ("沙", "sha"),
    ("溪", "xi"),
    ("原", "yuan"),
    ("屏", "ping"),
    ("江", "jiang"),
    ("河", "he"),
    ("山", "shan"),
    ("湖", "hu"),
    ("林", "lin"),
    ("桥", "qiao"),
    ("塘", "tang"),
    ("浦", "pu"),
    ("峰", "feng"),
    ("谷", "gu"),
    ("坪", "ping"),
    ("台", "tai"),
    ("渡", "du"),
];
pub const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
pub const GIVEN: &[&str] =
    &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平", "建国", "晓燕", "志强", "海燕"];

/// Kinds of unit in every county, city and the province, with their Chinese and English name
/// patterns ({p} is the place), and the prefix of the demo user's name.
struct Kind {
    kind: fn(RegionLevel) -> UnitKind,
    zh: fn(RegionLevel) -> &'static str,
    en: fn(RegionLevel) -> &'static str,
    user: &'static str,
    levels: &'static [RegionLevel],
}

use RegionLevel::{City, County, Province};
const ALL: &[RegionLevel] = &[Province, City, County];

const KINDS: &[Kind] = &[
    Kind { kind: |_| UnitKind::Committee, zh: |_| "{p}委政法委", en: |_| "{p} Political-Legal Committee", user: "committee", levels: ALL },
    Kind {
        kind: |_| UnitKind::Police,
        zh: |l| if l == Province { "{p}公安厅" } else { "{p}公安局" },
        en: |l| if l == Province { "{p} Department of Public Security" } else { "{p} Public Security Bureau" },
        user: "police",
        levels: ALL,
    },
    Kind { kind: |_| UnitKind::Procuratorate, zh: |_| "{p}人民检察院", en: |_| "{p} People's Procuratorate", user: "procuratorate", levels: ALL },
    Kind {
        kind: |l| match l {
            Province => UnitKind::CourtHigh,
            City => UnitKind::CourtIntermediate,
            County => UnitKind::CourtBasic,
        },
        zh: |l| match l {
            Province => "{p}高级人民法院",
            City => "{p}中级人民法院",
            County => "{p}人民法院",
        },
        en: |l| match l {
            Province => "{p} High People's Court",
            City => "{p} Intermediate People's Court",
            County => "{p} People's Court",
        },
        user: "court",
        levels: ALL,
    },
    Kind {
        kind: |_| UnitKind::JusticeBureau,
        zh: |l| if l == Province { "{p}司法厅" } else { "{p}司法局" },
        en: |l| if l == Province { "{p} Department of Justice" } else { "{p} Justice Bureau" },
        user: "justice",
        levels: ALL,
    },
    Kind {
        kind: |_| UnitKind::MediationCommittee,
        zh: |_| "{p}人民调解委员会",
        en: |_| "{p} People's Mediation Committee",
        user: "mediation",
        levels: &[County],
    },
    Kind { kind: |_| UnitKind::GovernanceCentre, zh: |_| "{p}综治中心", en: |_| "{p} Comprehensive Governance Centre", user: "governance", levels: ALL },
    Kind { kind: |_| UnitKind::TradeUnion, zh: |_| "{p}总工会", en: |_| "{p} Federation of Trade Unions", user: "union", levels: ALL },
    Kind { kind: |_| UnitKind::WomensFederation, zh: |_| "{p}妇女联合会", en: |_| "{p} Women's Federation", user: "women", levels: ALL },
    Kind { kind: |_| UnitKind::YouthLeague, zh: |_| "共青团{p}委员会", en: |_| "{p} Communist Youth League Committee", user: "youth", levels: ALL },
    Kind {
        kind: |_| UnitKind::FederationOfIndustryAndCommerce,
        zh: |_| "{p}工商业联合会",
        en: |_| "{p} Federation of Industry and Commerce",
        user: "commerce",
        levels: ALL,
    },
    Kind {
        kind: |_| UnitKind::Hotline12345, zh: |_| "{p}12345政务服务便民热线", en: |_| "{p} 12345 Government Service Hotline", user: "h12345", levels: ALL
    },
    Kind {
        kind: |_| UnitKind::Hotline12309, zh: |_| "{p}12309检察服务中心", en: |_| "{p} 12309 Procuratorial Service Centre", user: "h12309", levels: ALL
    },
    Kind {
        kind: |_| UnitKind::Hotline12348,
        zh: |_| "{p}12348公共法律服务热线",
        en: |_| "{p} 12348 Public Legal Service Hotline",
        user: "h12348",
        levels: ALL,
    },
];

fn working_role(kind: UnitKind) -> Role {
    kind.working_roles()[0]
}

/// Build the demo province for `seed`.
pub fn province(seed: u64) -> DemoOrg {
    let mut rng = Rng(seed);
    let mut names: Vec<(usize, usize)> = (0..FIRST.len()).flat_map(|a| (0..SECOND.len()).map(move |b| (a, b))).collect();
    rng.shuffle(&mut names);
    let mut names = names.into_iter().map(|(a, b)| (format!("{}{}", FIRST[a].0, SECOND[b].0), format!("{}{}", FIRST[a].1, SECOND[b].1)));

    // 103 counties over 12 cities: 8 each, and 7 cities chosen by the seed get a ninth.
    let mut sizes = [COUNTIES / CITIES; CITIES];
    let mut order: Vec<usize> = (0..CITIES).collect();
    rng.shuffle(&mut order);
    for &c in order.iter().take(COUNTIES % CITIES) {
        sizes[c] += 1;
    }
    let league = rng.below(CITIES); // one city is a league (盟) whose counties are banners (旗)

    let mut org = DemoOrg::default();
    let province = RegionCode::province(PROVINCE);
    let p = place(&mut org, province, None, ("示范省".into(), "Xiezhi Demo Province".into()));
    add_units(&mut org, &mut rng, province, &p);
    for (ci, size) in sizes.iter().enumerate() {
        let city = province.child(ci as u32 + 1);
        let (zh, en) = names.next().expect("enough names");
        let (suffix, suffix_en) = if ci == league { ("盟", "League") } else { ("市", "City") };
        let c = place(&mut org, city, Some(province), (format!("{zh}{suffix}"), format!("{en} {suffix_en}")));
        add_units(&mut org, &mut rng, city, &c);
        let districts = 1 + rng.below(3);
        for k in 0..*size {
            let county = city.child(k as u32 + 1);
            let (zh, en) = names.next().expect("enough names");
            let (suffix, suffix_en) = if ci == league {
                ("旗", "Banner")
            } else if k < districts {
                ("区", "District")
            } else {
                ("县", "County")
            };
            let k = place(&mut org, county, Some(city), (format!("{zh}{suffix}"), format!("{en} {suffix_en}")));
            add_units(&mut org, &mut rng, county, &k);
        }
    }
    let committee = org.units[0].name.clone();
    org.users.push(DemoUser {
        unit_name: committee.clone(),
        username: "admin".into(),
        display_name: "系统管理员".into(),
        roles: vec![Role::Admin, Role::Supervisor],
    });
    org.users.push(DemoUser { unit_name: committee, username: "auditor".into(), display_name: "审计员".into(), roles: vec![Role::Auditor] });
    for city in org.regions.iter().filter(|r| r.level == City).map(|r| r.code).collect::<Vec<_>>() {
        let unit = org.units.iter().find(|u| u.region == city && u.kind == UnitKind::Committee).expect("every city has a committee").name.clone();
        org.users.push(DemoUser {
            unit_name: unit,
            username: format!("admin.{city}"),
            display_name: "市级管理员".into(),
            roles: vec![Role::Admin, Role::Supervisor],
        });
    }
    org
}

/// Add a region and return its names, for naming its units.
fn place(org: &mut DemoOrg, code: RegionCode, parent: Option<RegionCode>, names: (String, String)) -> (String, String) {
    org.regions.push(DemoRegion { code, parent, level: code.level(), name: names.0.clone(), name_en: names.1.clone() });
    names
}

fn add_units(org: &mut DemoOrg, rng: &mut Rng, region: RegionCode, (zh, en): &(String, String)) {
    let level = region.level();
    for k in KINDS.iter().filter(|k| k.levels.contains(&level)) {
        let kind = (k.kind)(level);
        let name = (k.zh)(level).replace("{p}", zh);
        let name_en = (k.en)(level).replace("{p}", en);
        let person = format!("{}{}", SURNAMES[rng.below(SURNAMES.len())], GIVEN[rng.below(GIVEN.len())]);
        org.users.push(DemoUser { unit_name: name.clone(), username: format!("{}.{region}", k.user), display_name: person, roles: vec![working_role(kind)] });
        org.units.push(DemoUnit { region, kind, name, name_en });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_demo_province_has_the_size_of_the_real_ones() {
        let org = province(7);
        let count = |l| org.regions.iter().filter(|r| r.level == l).count();
        assert_eq!((count(Province), count(City), count(County)), (1, 12, 103));
        for county in org.regions.iter().filter(|r| r.level == County) {
            let kinds: HashSet<_> = org.units.iter().filter(|u| u.region == county.code).map(|u| u.kind).collect();
            assert_eq!(kinds.len(), 14, "{} has every kind of county unit", county.name);
            assert!(kinds.contains(&UnitKind::CourtBasic));
        }
        assert_eq!(org.units.iter().filter(|u| u.kind == UnitKind::CourtIntermediate).count(), 12);
        assert_eq!(org.units.iter().filter(|u| u.kind == UnitKind::CourtHigh).count(), 1);
        assert_eq!(org.units.iter().filter(|u| u.kind == UnitKind::Committee).count(), 116);
        let names: HashSet<_> = org.units.iter().map(|u| &u.name).collect();
        assert_eq!(names.len(), org.units.len(), "unit names are unique");
        let users: HashSet<_> = org.users.iter().map(|u| &u.username).collect();
        assert_eq!(users.len(), org.users.len(), "usernames are unique");
        for u in &org.users {
            let unit = org.units.iter().find(|x| x.name == u.unit_name).unwrap();
            assert!(u.roles.iter().all(|r| unit.kind.allows_role(*r)), "{} in {}", u.username, unit.name);
            assert!(crate::Username::parse("u", &u.username).is_ok(), "{}", u.username);
        }
        for unit in &org.units {
            assert!(unit.kind.allowed_levels().contains(&unit.region.level()), "{}", unit.name);
        }
        assert!(org.regions.iter().any(|r| r.name.ends_with('盟')));
        assert!(org.regions.iter().any(|r| r.name.ends_with('旗')));
    }

    #[test]
    fn a_seed_is_one_province() {
        assert_eq!(province(42), province(42));
        assert_ne!(province(42).regions, province(43).regions);
        assert!(province(42).users.iter().any(|u| u.username == "police.990101"));
    }
}
