//! The organisation: regions, kinds of unit, and the roles people hold in them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
}

macro_rules! string_enum {
    ($name:ident { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($s => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown value {s:?}; expected one of: {}",
                        [$($s),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum!(RegionLevel { Province => "province", City => "city", County => "county" });

/// What kind of body a unit is. Courts carry their level; partner platforms and hotline
/// centres carry which one they are, because access and routing differ between them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Committee,
    Police,
    Procuratorate,
    CourtBasic,
    CourtIntermediate,
    CourtHigh,
    JusticeBureau,
    MediationCommittee,
    GovernanceCentre,
    TradeUnion,
    WomensFederation,
    YouthLeague,
    FederationOfIndustryAndCommerce,
    #[serde(rename = "hotline_12345")]
    Hotline12345,
    #[serde(rename = "hotline_12309")]
    Hotline12309,
    #[serde(rename = "hotline_12348")]
    Hotline12348,
}

string_enum!(UnitKind {
    Committee => "committee",
    Police => "police",
    Procuratorate => "procuratorate",
    CourtBasic => "court_basic",
    CourtIntermediate => "court_intermediate",
    CourtHigh => "court_high",
    JusticeBureau => "justice_bureau",
    MediationCommittee => "mediation_committee",
    GovernanceCentre => "governance_centre",
    TradeUnion => "trade_union",
    WomensFederation => "womens_federation",
    YouthLeague => "youth_league",
    FederationOfIndustryAndCommerce => "federation_of_industry_and_commerce",
    Hotline12345 => "hotline_12345",
    Hotline12309 => "hotline_12309",
    Hotline12348 => "hotline_12348",
});

impl UnitKind {
    /// The region levels at which a unit of this kind may stand.
    pub fn allowed_levels(self) -> &'static [RegionLevel] {
        use RegionLevel::*;
        match self {
            UnitKind::CourtHigh => &[Province],
            UnitKind::CourtIntermediate => &[City],
            UnitKind::CourtBasic | UnitKind::MediationCommittee => &[County],
            _ => &[Province, City, County],
        }
    }

    pub fn is_partner_platform(self) -> bool {
        matches!(self, UnitKind::TradeUnion | UnitKind::WomensFederation | UnitKind::YouthLeague | UnitKind::FederationOfIndustryAndCommerce)
    }

    pub fn is_court(self) -> bool {
        matches!(self, UnitKind::CourtBasic | UnitKind::CourtIntermediate | UnitKind::CourtHigh)
    }

    /// The roles a member of such a unit may hold (besides `admin` and `auditor`, allowed anywhere).
    pub fn working_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            UnitKind::Committee => &[Supervisor],
            UnitKind::Police => &[PoliceOfficer],
            UnitKind::Procuratorate => &[Prosecutor],
            UnitKind::CourtBasic | UnitKind::CourtIntermediate | UnitKind::CourtHigh => &[Judge, Clerk],
            UnitKind::JusticeBureau => &[JusticeOfficer],
            UnitKind::MediationCommittee
            | UnitKind::GovernanceCentre
            | UnitKind::TradeUnion
            | UnitKind::WomensFederation
            | UnitKind::YouthLeague
            | UnitKind::FederationOfIndustryAndCommerce => &[Mediator],
            UnitKind::Hotline12345 | UnitKind::Hotline12309 | UnitKind::Hotline12348 => &[HotlineOperator],
        }
    }

    pub fn allows_role(self, role: Role) -> bool {
        matches!(role, Role::Admin | Role::Auditor) || self.working_roles().contains(&role)
    }
}

/// What a person may do, within their unit's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages units and users within the unit's region subtree.
    Admin,
    /// Committee member: read-across supervision of the region subtree.
    Supervisor,
    PoliceOfficer,
    Prosecutor,
    Judge,
    Clerk,
    JusticeOfficer,
    Mediator,
    HotlineOperator,
    /// Follows the audit log; reads nothing else.
    Auditor,
}

string_enum!(Role {
    Admin => "admin",
    Supervisor => "supervisor",
    PoliceOfficer => "police_officer",
    Prosecutor => "prosecutor",
    Judge => "judge",
    Clerk => "clerk",
    JusticeOfficer => "justice_officer",
    Mediator => "mediator",
    HotlineOperator => "hotline_operator",
    Auditor => "auditor",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for k in UnitKind::ALL {
            assert_eq!(k.as_str().parse::<UnitKind>().unwrap(), *k);
            assert_eq!(serde_json::to_string(k).unwrap(), format!("\"{}\"", k.as_str()));
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), *r);
        }
        assert!("courthouse".parse::<UnitKind>().unwrap_err().contains("court_basic"));
    }

    #[test]
    fn courts_stand_at_their_level_and_hold_judicial_roles() {
        assert_eq!(UnitKind::CourtHigh.allowed_levels(), &[RegionLevel::Province]);
        assert!(UnitKind::CourtBasic.allows_role(Role::Judge));
        assert!(!UnitKind::Police.allows_role(Role::Judge));
        assert!(UnitKind::Police.allows_role(Role::Admin));
    }
}
