// The verifier's tables (issue 5): presentation requests (OpenID4VP 1.0 sessions) and the
// webhook deliveries that tell a relying party a wallet answered. Keyed by tenant first, like
// every table (0001): a relying party is a tenant.

export const presentationsSchema = /* sql */ `
-- One OpenID4VP 1.0 authorization request and what came of it. The states are the explicit
-- session record of style.md (practice 7); legal moves are in PRESENTATION_REQUEST_TRANSITIONS.
CREATE TABLE presentation_requests (
  tenant_id           text NOT NULL REFERENCES tenants (id),
  id                  text NOT NULL CHECK (id ~ '^[A-Za-z0-9_-]{16,64}$'),
  state               text NOT NULL CHECK (state IN ('created', 'retrieved', 'responding', 'succeeded', 'failed', 'expired')),
  -- §5.2 nonce (≥ 128 bits, fresh per request); the expected nonce of every VP JWT / KB-JWT.
  nonce               text NOT NULL,
  -- §5.9 the client identifier with its prefix, the expected aud of every holder proof.
  client_id           text NOT NULL,
  response_mode       text NOT NULL CHECK (response_mode IN ('direct_post', 'direct_post.jwt')),
  -- What the relying party asked for: DCQL query, policy, template, same-device redirect, …
  request             jsonb NOT NULL,
  -- direct_post.jwt: the fresh response-encryption key (§8.3), envelope-encrypted by the app.
  encryption_key      jsonb,
  -- §5.10 request_uri_method=post: the wallet_nonce echoed in the signed request object.
  wallet_nonce        text,
  -- Same-device: SHA-256 of the single-use response_code (§8.2, §13.3); NULL once redeemed.
  response_code_hash  text,
  result              jsonb,
  created_at          timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL,
  retrieved_at        timestamptz,
  responded_at        timestamptz,
  completed_at        timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX presentation_requests_by_created ON presentation_requests (tenant_id, created_at DESC, id);
CREATE INDEX presentation_requests_open ON presentation_requests (expires_at) WHERE state IN ('created', 'retrieved');

-- A webhook call to make, retried with backoff; claimed with a lease so two processes never
-- deliver one at the same time.
CREATE TABLE webhook_deliveries (
  tenant_id        text NOT NULL REFERENCES tenants (id),
  id               text NOT NULL,
  url              text NOT NULL,
  event            text NOT NULL,
  body             jsonb NOT NULL,
  state            text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at  timestamptz NOT NULL,
  leased_until     timestamptz,
  last_error       text,
  created_at       timestamptz NOT NULL,
  delivered_at     timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
`
