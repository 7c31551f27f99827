//! People: users, admin grants, sessions and API tokens (stored by the SHA-256 of the secret,
//! never the secret), and the security record (sign-ins, throttling, denied access) — their rows,
//! their SQL and [`PeopleStore`].

use crate::audit::{append, NewEvent};
use crate::org::{flag, UnitRow, DISABLED_AT, UNIT_COLS};
use crate::{model::*, Result, SqlStore, StoreError};
use crate::{roles_from_text, roles_to_text};
use serde_json::json;
use sqlx::{Executor, FromRow};
use std::future::Future;
use xiezhi_core::Subject;

#[derive(FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: i64,
    pub(crate) unit_id: i64,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) roles: String,
    pub(crate) disabled_at: Option<i64>,
    pub(crate) created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            unit_id: r.unit_id,
            username: r.username,
            display_name: r.display_name,
            roles: roles_from_text(&r.roles),
            disabled: r.disabled_at.is_some(),
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken { id: r.id, user_id: r.user_id, name: r.name, created_at: r.created_at, last_used_at: r.last_used_at, revoked_at: r.revoked_at }
    }
}

#[derive(FromRow)]
struct SecurityRow {
    id: i64,
    at: i64,
    kind: String,
    username: Option<String>,
    user_id: Option<i64>,
    region: Option<String>,
    client: Option<String>,
    detail: String,
}

pub(crate) const USER_COLS: &str = "id, unit_id, username, display_name, roles, disabled_at, created_at";
pub(crate) const PRINCIPAL_SELECT: &str = "SELECT u.id, u.unit_id, u.username, u.display_name, u.roles, u.disabled_at, u.created_at, \
     n.id AS n_id, n.region AS n_region, n.kind AS n_kind, n.name AS n_name, n.name_en AS n_name_en, n.disabled_at AS n_disabled_at, n.created_at AS n_created_at";

#[derive(FromRow)]
struct PrincipalRow {
    #[sqlx(flatten)]
    user: UserRow,
    n_id: i64,
    n_region: String,
    n_kind: String,
    n_name: String,
    n_name_en: String,
    n_disabled_at: Option<i64>,
    n_created_at: i64,
}

impl PrincipalRow {
    /// A principal, unless the user or their unit is disabled.
    fn into_active(self, csrf_token: String) -> Result<Option<Principal>> {
        let unit = Unit::try_from(UnitRow {
            id: self.n_id,
            region: self.n_region,
            kind: self.n_kind,
            name: self.n_name,
            name_en: self.n_name_en,
            disabled_at: self.n_disabled_at,
            created_at: self.n_created_at,
        })?;
        let user = User::from(self.user);
        if user.disabled || unit.disabled {
            return Ok(None);
        }
        Ok(Some(Principal { user, unit, csrf_token }))
    }
}

impl SqlStore {
    pub(crate) async fn insert_user<'e, E: Executor<'e, Database = sqlx::Any>>(exec: E, u: &NewUser, now: i64) -> Result<User> {
        let row: UserRow = sqlx::query_as(&format!("INSERT INTO users (unit_id, username, display_name, password_hash, roles, disabled_at, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6) RETURNING {USER_COLS}"))
            .bind(u.unit_id)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(roles_to_text(&u.roles))
            .bind(now)
            .fetch_one(exec)
            .await?;
        Ok(row.into())
    }
}

const GRANT_COLS: &str = "id, user_id, unit_id, requested_by, requested_at, decided_by, decided_at, approved";

#[derive(FromRow)]
struct GrantRow {
    id: i64,
    user_id: i64,
    unit_id: i64,
    requested_by: Option<i64>,
    requested_at: i64,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    approved: Option<i64>,
}

impl From<GrantRow> for AdminGrant {
    fn from(r: GrantRow) -> Self {
        AdminGrant {
            id: r.id,
            user_id: r.user_id,
            unit_id: r.unit_id,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            approved: r.approved.map(|a| a != 0),
        }
    }
}

/// A secret's stored form, fingerprinted for the record: the log can then tell whether a stored
/// password hash or token hash was changed outside the platform, without holding either.
pub fn fingerprint(stored_secret: &str) -> String {
    xiezhi_audit::payload_digest(stored_secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn user_created(u: &User, password_hash: &str) -> NewEvent {
    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
    NewEvent::new(
        Subject::User(u.id),
        "user.created",
        json!({"id": u.id, "unit_id": u.unit_id, "username": u.username, "display_name": u.display_name, "roles": roles, "password_hash_sha256": fingerprint(password_hash)}),
    )
}

/// The events recording that these tokens of `user_id` were revoked.
fn tokens_revoked(user_id: i64, ids: &[(i64,)]) -> Vec<NewEvent> {
    ids.iter().map(|(id,)| NewEvent::new(Subject::User(user_id), "token.revoked", json!({"id": id, "user_id": user_id}))).collect()
}

/// Users and what signs them in; the security record.
pub trait PeopleStore {
    fn create_user(&self, user: NewUser, by: By) -> impl Future<Output = Result<Recorded<User>>> + Send;
    fn user(&self, id: i64) -> impl Future<Output = Result<User>> + Send;
    fn update_user(&self, id: i64, change: UserChange, by: By) -> impl Future<Output = Result<Recorded<User>>> + Send;
    fn users_of_unit(&self, unit_id: i64) -> impl Future<Output = Result<Vec<User>>> + Send;
    /// The user and their password hash, for sign-in.
    fn credentials(&self, username: &str) -> impl Future<Output = Result<Option<(User, String)>>> + Send;
    fn set_password(&self, user_id: i64, password_hash: String, by: By) -> impl Future<Output = Result<Recorded<()>>> + Send;
    /// Ask for the admin role on an account (recorded); it is granted only by [`Store::decide_admin_grant`].
    fn request_admin_grant(&self, user_id: i64, by: By) -> impl Future<Output = Result<Recorded<AdminGrant>>> + Send;
    fn admin_grant(&self, id: i64) -> impl Future<Output = Result<AdminGrant>> + Send;
    /// Requests not yet decided, oldest first.
    fn pending_admin_grants(&self) -> impl Future<Output = Result<Vec<AdminGrant>>> + Send;
    /// Approve (the account gains the admin role) or refuse a pending request, in one
    /// transaction with its events; a request already decided is `Conflict`.
    fn decide_admin_grant(&self, id: i64, approve: bool, by: By) -> impl Future<Output = Result<Recorded<AdminGrant>>> + Send;
    fn create_session(&self, s: NewSession) -> impl Future<Output = Result<()>> + Send;
    fn session(&self, token_hash: &str, now: i64) -> impl Future<Output = Result<Option<Principal>>> + Send;
    fn delete_session(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;
    fn create_token(&self, user_id: i64, name: String, token_hash: String, by: By) -> impl Future<Output = Result<Recorded<ApiToken>>> + Send;
    fn tokens_of_user(&self, user_id: i64) -> impl Future<Output = Result<Vec<ApiToken>>> + Send;
    fn revoke_token(&self, user_id: i64, token_id: i64, by: By) -> impl Future<Output = Result<Recorded<ApiToken>>> + Send;
    fn token(&self, token_hash: &str, now: i64) -> impl Future<Output = Result<Option<Principal>>> + Send;
    fn record(&self, event: NewSecurityEvent) -> impl Future<Output = Result<()>> + Send;
    /// Failed sign-ins since `since`: (for this username, from this client).
    fn failed_sign_ins_since(&self, username: &str, client: &str, since: i64) -> impl Future<Output = Result<(i64, i64)>> + Send;
    fn security_events(&self, region_prefix: &str, limit: i64) -> impl Future<Output = Result<Vec<SecurityEvent>>> + Send;
}

impl PeopleStore for SqlStore {
    async fn create_user(&self, user: NewUser, by: By) -> Result<Recorded<User>> {
        let mut tx = self.pool.begin().await?;
        let unit: Option<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLS} FROM units WHERE id = $1")).bind(user.unit_id).fetch_optional(&mut *tx).await?;
        let unit = Unit::try_from(unit.ok_or(StoreError::NotFound("unit"))?)?;
        if let Some(role) = user.roles.iter().find(|r| !unit.kind.allows_role(**r)) {
            return Err(StoreError::Invalid(format!("role {role} is not held in a {} unit", unit.kind)));
        }
        let u = Self::insert_user(&mut *tx, &user, by.at).await?;
        let leaves = append(&mut tx, self.backend, &by, vec![user_created(&u, &user.password_hash)]).await?;
        tx.commit().await?;
        Ok(Recorded { value: u, leaves })
    }

    async fn user(&self, id: i64) -> Result<User> {
        let row: Option<UserRow> = sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        Ok(row.ok_or(StoreError::NotFound("user"))?.into())
    }

    async fn update_user(&self, id: i64, c: UserChange, by: By) -> Result<Recorded<User>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        if let Some(roles) = &c.roles {
            let kind: Option<(String,)> =
                sqlx::query_as("SELECT n.kind FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1").bind(id).fetch_optional(&mut *tx).await?;
            let kind: xiezhi_core::UnitKind = kind.ok_or(StoreError::NotFound("user"))?.0.parse().map_err(StoreError::Invalid)?;
            if let Some(role) = roles.iter().find(|r| !kind.allows_role(**r)) {
                return Err(StoreError::Invalid(format!("role {role} is not held in a {kind} unit")));
            }
        }
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "UPDATE users SET display_name = COALESCE($1, display_name), roles = COALESCE($2, roles), disabled_at = {DISABLED_AT} WHERE id = $5 RETURNING {USER_COLS}"
        ))
        .bind(c.display_name.clone())
        .bind(c.roles.as_deref().map(roles_to_text))
        .bind(flag(c.disabled))
        .bind(by.at)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let user = User::from(row.ok_or(StoreError::NotFound("user"))?);
        // A disabled account stays shut when enabled again: its sessions end, its tokens are revoked.
        let mut revoked: Vec<(i64,)> = Vec::new();
        if c.disabled == Some(true) {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            revoked = sqlx::query_as("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING id")
                .bind(by.at)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        }
        let roles: Option<Vec<&str>> = c.roles.as_ref().map(|r| r.iter().map(|x| x.as_str()).collect());
        let payload = json!({"id": id, "display_name": c.display_name, "roles": roles, "disabled": c.disabled});
        let mut events = vec![NewEvent::new(Subject::User(id), "user.changed", payload)];
        events.extend(tokens_revoked(id, &revoked));
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(Recorded { value: user, leaves })
    }

    async fn users_of_unit(&self, unit_id: i64) -> Result<Vec<User>> {
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE unit_id = $1 ORDER BY username")).bind(unit_id).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(User::from).collect())
    }

    async fn credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {USER_COLS}, password_hash FROM users WHERE username = $1")).bind(username).fetch_optional(&self.reader).await?;
        Ok(row.map(|r| (r.user.into(), r.password_hash)))
    }

    async fn set_password(&self, user_id: i64, password_hash: String, by: By) -> Result<Recorded<()>> {
        let _forget = self.cache.forget_now_and_after();
        let hash_for_record = password_hash.clone();
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(user_id).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        // Whoever knew the old password may have made tokens with it: they go with it.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        let revoked: Vec<(i64,)> = sqlx::query_as("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING id")
            .bind(by.at)
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
        // The record says that the password changed, never what it is: the stored hash's fingerprint.
        let mut events =
            vec![NewEvent::new(Subject::User(user_id), "user.password_set", json!({"id": user_id, "password_hash_sha256": fingerprint(&hash_for_record)}))];
        events.extend(tokens_revoked(user_id, &revoked));
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(Recorded { value: (), leaves })
    }

    async fn request_admin_grant(&self, user_id: i64, by: By) -> Result<Recorded<AdminGrant>> {
        let mut tx = self.pool.begin().await?;
        let unit: Option<(i64,)> = sqlx::query_as("SELECT unit_id FROM users WHERE id = $1").bind(user_id).fetch_optional(&mut *tx).await?;
        let (unit_id,) = unit.ok_or(StoreError::NotFound("user"))?;
        let row: GrantRow =
            sqlx::query_as(&format!("INSERT INTO admin_grants (user_id, unit_id, requested_by, requested_at) VALUES ($1, $2, $3, $4) RETURNING {GRANT_COLS}"))
                .bind(user_id)
                .bind(unit_id)
                .bind(by.user_id)
                .bind(by.at)
                .fetch_one(&mut *tx)
                .await?;
        let grant = AdminGrant::from(row);
        let event = NewEvent::new(Subject::User(user_id), "user.admin_requested", json!({"id": user_id, "grant": grant.id}));
        let leaves = append(&mut tx, self.backend, &by, vec![event]).await?;
        tx.commit().await?;
        Ok(Recorded { value: grant, leaves })
    }

    async fn admin_grant(&self, id: i64) -> Result<AdminGrant> {
        let row: Option<GrantRow> =
            sqlx::query_as(&format!("SELECT {GRANT_COLS} FROM admin_grants WHERE id = $1")).bind(id).fetch_optional(&self.reader).await?;
        Ok(row.ok_or(StoreError::NotFound("admin grant"))?.into())
    }

    async fn pending_admin_grants(&self) -> Result<Vec<AdminGrant>> {
        let rows: Vec<GrantRow> =
            sqlx::query_as(&format!("SELECT {GRANT_COLS} FROM admin_grants WHERE decided_at IS NULL ORDER BY id")).fetch_all(&self.reader).await?;
        Ok(rows.into_iter().map(AdminGrant::from).collect())
    }

    async fn decide_admin_grant(&self, id: i64, approve: bool, by: By) -> Result<Recorded<AdminGrant>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        let row: Option<GrantRow> = sqlx::query_as(&format!(
            "UPDATE admin_grants SET decided_by = $1, decided_at = $2, approved = $3 WHERE id = $4 AND decided_at IS NULL RETURNING {GRANT_COLS}"
        ))
        .bind(by.user_id)
        .bind(by.at)
        .bind(i64::from(approve))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM admin_grants WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            return Err(if exists.is_some() { StoreError::Conflict("this request was decided already".into()) } else { StoreError::NotFound("admin grant") });
        };
        let grant = AdminGrant::from(row);
        let mut events = vec![NewEvent::new(
            Subject::User(grant.user_id),
            if approve { "user.admin_granted" } else { "user.admin_refused" },
            json!({"id": grant.user_id, "grant": grant.id}),
        )];
        if approve {
            let (roles,): (String,) = sqlx::query_as("SELECT roles FROM users WHERE id = $1").bind(grant.user_id).fetch_one(&mut *tx).await?;
            let mut roles = roles_from_text(&roles);
            if !roles.contains(&xiezhi_core::Role::Admin) {
                roles.push(xiezhi_core::Role::Admin);
            }
            sqlx::query("UPDATE users SET roles = $1 WHERE id = $2").bind(roles_to_text(&roles)).bind(grant.user_id).execute(&mut *tx).await?;
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            events.push(NewEvent::new(Subject::User(grant.user_id), "user.changed", json!({"id": grant.user_id, "roles": names, "admin_grant": grant.id})));
        }
        let leaves = append(&mut tx, self.backend, &by, events).await?;
        tx.commit().await?;
        Ok(Recorded { value: grant, leaves })
    }

    async fn create_session(&self, s: NewSession) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.token_hash)
            .bind(s.user_id)
            .bind(s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Principal>> {
        #[derive(FromRow)]
        struct Row {
            #[sqlx(flatten)]
            p: PrincipalRow,
            csrf_token: String,
        }
        let row: Option<Row> = sqlx::query_as(&format!(
            "{PRINCIPAL_SELECT}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id JOIN units n ON n.id = u.unit_id WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        match row {
            Some(r) => r.p.into_active(r.csrf_token),
            None => Ok(None),
        }
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn create_token(&self, user_id: i64, name: String, token_hash: String, by: By) -> Result<Recorded<ApiToken>> {
        let mut tx = self.pool.begin().await?;
        let token_hash_for_record = token_hash.clone();
        let row: TokenRow = sqlx::query_as("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id, user_id, name, created_at, last_used_at, revoked_at")
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(by.at)
            .fetch_one(&mut *tx)
            .await?;
        let t = ApiToken::from(row);
        let leaves = append(
            &mut tx,
            self.backend,
            &by,
            vec![NewEvent::new(
                Subject::User(user_id),
                "token.created",
                json!({"id": t.id, "user_id": user_id, "name": t.name, "token_hash_sha256": fingerprint(&token_hash_for_record)}),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(Recorded { value: t, leaves })
    }

    async fn tokens_of_user(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> =
            sqlx::query_as("SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id")
                .bind(user_id)
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    async fn revoke_token(&self, user_id: i64, token_id: i64, by: By) -> Result<Recorded<ApiToken>> {
        let _forget = self.cache.forget_now_and_after();
        let mut tx = self.pool.begin().await?;
        let row: Option<TokenRow> = sqlx::query_as(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3 RETURNING id, user_id, name, created_at, last_used_at, revoked_at",
        )
        .bind(by.at)
        .bind(token_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let t = ApiToken::from(row.ok_or(StoreError::NotFound("token"))?);
        let leaves =
            append(&mut tx, self.backend, &by, vec![NewEvent::new(Subject::User(user_id), "token.revoked", json!({"id": t.id, "user_id": user_id}))]).await?;
        tx.commit().await?;
        Ok(Recorded { value: t, leaves })
    }

    async fn token(&self, token_hash: &str, now: i64) -> Result<Option<Principal>> {
        if let Some(p) = self.cache.tokens.get(&token_hash.to_string()) {
            return Ok(Some(p));
        }
        let row: Option<PrincipalRow> = sqlx::query_as(&format!(
            "{PRINCIPAL_SELECT} FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN units n ON n.id = u.unit_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        // Coarse last-use stamp: at most one write a minute per token.
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(now)
            .bind(token_hash)
            .bind(now - 60_000_000)
            .execute(&self.pool)
            .await?;
        let principal = row.into_active(String::new())?;
        if let Some(p) = &principal {
            self.cache.tokens.put(token_hash.to_string(), p.clone());
        }
        Ok(principal)
    }

    async fn record(&self, e: NewSecurityEvent) -> Result<()> {
        sqlx::query("INSERT INTO security_events (at, kind, username, user_id, region, client, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(e.at)
            .bind(e.kind)
            .bind(e.username)
            .bind(e.user_id)
            .bind(e.region.map(|r| r.to_string()))
            .bind(e.client)
            .bind(e.detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn failed_sign_ins_since(&self, username: &str, client: &str, since: i64) -> Result<(i64, i64)> {
        let counts: (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM security_events WHERE kind = 'sign_in_failed' AND at >= $1 AND username = $2), \
                    (SELECT COUNT(*) FROM security_events WHERE kind = 'sign_in_failed' AND at >= $1 AND client = $3)",
        )
        .bind(since)
        .bind(username)
        .bind(client)
        .fetch_one(&self.reader)
        .await?;
        Ok(counts)
    }

    async fn security_events(&self, region_prefix: &str, limit: i64) -> Result<Vec<SecurityEvent>> {
        let rows: Vec<SecurityRow> = sqlx::query_as(
            "SELECT id, at, kind, username, user_id, region, client, detail FROM security_events WHERE region LIKE $1 OR ($2 = 1 AND region IS NULL) ORDER BY id DESC LIMIT $3",
        )
        .bind(format!("{region_prefix}%"))
        .bind(i64::from(region_prefix.len() <= 2))
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SecurityEvent {
                id: r.id,
                at: r.at,
                kind: r.kind,
                username: r.username,
                user_id: r.user_id,
                region: r.region,
                client: r.client,
                detail: r.detail,
            })
            .collect())
    }
}
