// The first schema. Every table is keyed by tenant first: primary keys and unique constraints
// start with tenant_id, and references between tables carry tenant_id too, so a row can never
// point at another tenant's row (security.md, "every query is tenant-scoped").
//
// Timestamps are written by the callers' `now`, never by `DEFAULT now()`, so tests can freeze
// time and several processes agree with the caller's clock.

export const initialSchema = /* sql */ `
CREATE TABLE tenants (
  id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name        text NOT NULL,
  did         text NOT NULL,
  config      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- API keys: only the SHA-256 of the secret is stored; lookup is by that hash, which is unique
-- across tenants because the key itself names its tenant.
CREATE TABLE api_keys (
  tenant_id    text NOT NULL REFERENCES tenants (id),
  id           text NOT NULL,
  secret_hash  text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  scopes       text[] NOT NULL,
  created_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (secret_hash)
);

-- @alma/trust KeyRecord: the private key only as an envelope-encrypted JSON object.
CREATE TABLE signing_keys (
  tenant_id              text NOT NULL REFERENCES tenants (id),
  kid                    text NOT NULL,
  alg                    text NOT NULL,
  state                  text NOT NULL CHECK (state IN ('active', 'published', 'retired')),
  public_jwk             jsonb NOT NULL,
  x5c                    text[],
  encrypted_private_key  jsonb NOT NULL,
  created_at             timestamptz NOT NULL,
  state_changed_at       timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, kid)
);

CREATE TABLE specifications (
  tenant_id     text NOT NULL REFERENCES tenants (id),
  id            text NOT NULL,
  version       integer NOT NULL CHECK (version >= 1),
  document      jsonb NOT NULL,
  annex_report  jsonb,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE awards (
  tenant_id              text NOT NULL,
  id                     text NOT NULL,
  specification_id       text NOT NULL,
  specification_version  integer NOT NULL,
  learner                jsonb NOT NULL,
  edc                    jsonb,
  state                  text NOT NULL CHECK (state IN ('held', 'ready', 'issued', 'revoked', 'suspended')),
  created_at             timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, specification_id) REFERENCES specifications (tenant_id, id)
);
CREATE INDEX awards_by_specification ON awards (tenant_id, specification_id);
CREATE INDEX awards_by_state ON awards (tenant_id, state);
CREATE INDEX awards_by_created ON awards (tenant_id, created_at DESC, id);

-- An issuance session (OpenID4VCI 1.0 §4.1 credential offer, §6 token request).
-- pre_authorized_code_hash is NULL for offers with only the authorization_code grant.
CREATE TABLE offers (
  tenant_id                     text NOT NULL,
  id                            text NOT NULL,
  award_id                      text NOT NULL,
  credential_configuration_ids  text[] NOT NULL CHECK (cardinality(credential_configuration_ids) >= 1),
  pre_authorized_code_hash      text,
  tx_code_hash                  text,
  tx_code_attempts              integer NOT NULL DEFAULT 0 CHECK (tx_code_attempts >= 0),
  max_tx_code_attempts          integer NOT NULL CHECK (max_tx_code_attempts >= 1),
  issuer_state                  text,
  state                         text NOT NULL CHECK (state IN ('offered', 'token_issued', 'credential_issued', 'burnt', 'expired')),
  expires_at                    timestamptz NOT NULL,
  created_at                    timestamptz NOT NULL,
  token_issued_at               timestamptz,
  credential_issued_at          timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, pre_authorized_code_hash),
  UNIQUE (tenant_id, issuer_state),
  FOREIGN KEY (tenant_id, award_id) REFERENCES awards (tenant_id, id)
);
CREATE INDEX offers_by_award ON offers (tenant_id, award_id);
CREATE INDEX offers_by_expiry ON offers (expires_at) WHERE state = 'offered';

-- c_nonces, PAR request_uris, authorization codes, deferred transaction ids, DPoP jtis: stored
-- by hash, consumed by one compare-and-set UPDATE (style.md, practice 7).
CREATE TABLE single_use_values (
  tenant_id    text NOT NULL REFERENCES tenants (id),
  kind         text NOT NULL,
  value_hash   text NOT NULL,
  data         jsonb,
  expires_at   timestamptz NOT NULL,
  consumed_at  timestamptz,
  PRIMARY KEY (tenant_id, kind, value_hash)
);
CREATE INDEX single_use_values_by_expiry ON single_use_values (expires_at);

CREATE TABLE status_lists (
  tenant_id   text NOT NULL REFERENCES tenants (id),
  id          text NOT NULL,
  purpose     text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
  format      text NOT NULL CHECK (format IN ('bitstring', 'token')),
  -- W3C Bitstring Status List v1.0 §6.1: at least 131,072 entries (16 KB), for group privacy.
  size        integer NOT NULL CHECK (size >= 131072),
  version     bigint NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX status_lists_current ON status_lists (tenant_id, purpose, format, created_at DESC);

-- The primary key is the unique (tenant, list, index) that makes two issuances unable to share
-- an index (security.md, "1,000 issuances → distinct random indices").
CREATE TABLE status_entries (
  tenant_id      text NOT NULL,
  list_id        text NOT NULL,
  idx            integer NOT NULL CHECK (idx >= 0),
  credential_id  text,
  status         smallint NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 255),
  PRIMARY KEY (tenant_id, list_id, idx),
  FOREIGN KEY (tenant_id, list_id) REFERENCES status_lists (tenant_id, id)
);
CREATE INDEX status_entries_set ON status_entries (tenant_id, list_id, idx) WHERE status <> 0;

CREATE TABLE issued_credentials (
  tenant_id                    text NOT NULL,
  id                           text NOT NULL,
  award_id                     text NOT NULL,
  offer_id                     text,
  format                       text NOT NULL CHECK (format IN ('jwt_vc_json', 'dc+sd-jwt')),
  credential_configuration_id  text NOT NULL,
  holder_key_thumbprint        text,
  status_list_id               text,
  status_index                 integer,
  notification_id              text,
  -- OpenID4VCI 1.0 §11.1 notification events.
  notification_event           text CHECK (notification_event IN ('credential_accepted', 'credential_failure', 'credential_deleted')),
  notified_at                  timestamptz,
  state                        text NOT NULL CHECK (state IN ('valid', 'revoked', 'suspended')),
  issued_at                    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, notification_id),
  CHECK ((status_list_id IS NULL) = (status_index IS NULL)),
  FOREIGN KEY (tenant_id, award_id) REFERENCES awards (tenant_id, id),
  FOREIGN KEY (tenant_id, offer_id) REFERENCES offers (tenant_id, id),
  FOREIGN KEY (tenant_id, status_list_id, status_index) REFERENCES status_entries (tenant_id, list_id, idx)
);
CREATE INDEX issued_credentials_by_award ON issued_credentials (tenant_id, award_id);
CREATE INDEX issued_credentials_by_issued ON issued_credentials (tenant_id, issued_at DESC, id);

-- Append-only (security.md, "an append-only audit log"): the triggers refuse UPDATE, DELETE and
-- TRUNCATE from any role. Only the table's owner could disable them; a deployment that wants
-- more runs the application under a role without that power.
CREATE TABLE audit_log (
  id         bigserial NOT NULL,
  tenant_id  text NOT NULL,
  at         timestamptz NOT NULL,
  actor      text NOT NULL,
  action     text NOT NULL,
  subject    text,
  details    jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_by_action ON audit_log (tenant_id, action, id DESC);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
`
