// One access token, one issuance per granted configuration (issue 12, §4 "token scope"): an access
// token minted 2,000 credentials to keys of the caller's choice and kept minting after the first
// credential was revoked. OpenID4VCI 1.0 §14.3 leaves repeated requests with one token to the
// issuer; ours yields each configuration the token grants once — one request carrying up to
// `batch_size` proofs (§8.2, §12.2.4) — and never after the award's credentials were revoked or
// suspended.
//
// - credential_redemptions: the spend, one row per (offer, configuration). An offer is redeemed
//   for one access token only (its pre-authorized code or issuer_state is consumed once), so a
//   row per offer is a row per token. The credential endpoint inserts it in the same statement
//   that records the credentials, their status entries and the audit entry (INSERT … ON CONFLICT
//   DO NOTHING: of two parallel requests in any number of processes exactly one inserts, and a
//   crash loses the spend together with the issuance, never one without the other). A held award
//   (VCI 1.0 §9) inserts it as `deferred` with the transaction id's hash and the proven holder
//   keys; the deferred endpoint moves it to `issued` in the statement that records the
//   credentials, so a transaction id issues once and the deferral is no second minting path.
// - offers.state `withdrawn`: revoking or suspending a credential of an award withdraws every
//   open offer of that award in the revocation's transaction; the issuance statements take the
//   offer row's lock and re-check its state, so issuance stops at once for tokens already minted.

export const credentialRedemptionsSchema = /* sql */ `
ALTER TABLE offers DROP CONSTRAINT offers_state_check;
ALTER TABLE offers ADD CONSTRAINT offers_state_check
  CHECK (state IN ('offered', 'token_issued', 'credential_issued', 'burnt', 'expired', 'withdrawn'));
ALTER TABLE offers ADD COLUMN withdrawn_at timestamptz;
ALTER TABLE offers ADD CONSTRAINT offers_withdrawn_at CHECK ((state = 'withdrawn') = (withdrawn_at IS NOT NULL));

CREATE TABLE credential_redemptions (
  tenant_id                    text NOT NULL,
  offer_id                     text NOT NULL,
  credential_configuration_id  text NOT NULL,
  -- SHA-256 (base64url) of the access token that spent it, never the token; NULL for the rows
  -- this migration derives from credentials issued before it.
  access_token_hash            text,
  state                        text NOT NULL CHECK (state IN ('deferred', 'issued')),
  -- VCI 1.0 §9: SHA-256 (base64url) of the transaction_id, the holder keys the request proved,
  -- and until when the transaction id may be used.
  transaction_id_hash          text,
  holder_keys                  jsonb,
  transaction_expires_at       timestamptz,
  redeemed_at                  timestamptz NOT NULL,
  issued_at                    timestamptz,
  PRIMARY KEY (tenant_id, offer_id, credential_configuration_id),
  UNIQUE (tenant_id, transaction_id_hash),
  FOREIGN KEY (tenant_id, offer_id) REFERENCES offers (tenant_id, id),
  CHECK ((state = 'issued') = (issued_at IS NOT NULL)),
  CHECK (state = 'issued' OR (transaction_id_hash IS NOT NULL AND holder_keys IS NOT NULL AND transaction_expires_at IS NOT NULL))
);

-- What was issued before this migration is spent: a token minted earlier cannot mint again.
INSERT INTO credential_redemptions
  (tenant_id, offer_id, credential_configuration_id, state, redeemed_at, issued_at)
SELECT tenant_id, offer_id, credential_configuration_id, 'issued', min(issued_at), min(issued_at)
FROM issued_credentials
WHERE offer_id IS NOT NULL
GROUP BY tenant_id, offer_id, credential_configuration_id;

-- Deferred transactions still pending move here (their ids were kept as single-use values).
INSERT INTO credential_redemptions
  (tenant_id, offer_id, credential_configuration_id, state, transaction_id_hash, holder_keys,
   transaction_expires_at, redeemed_at)
SELECT s.tenant_id, o.id, s.data->>'configurationId', 'deferred', s.value_hash, s.data->'holders',
  s.expires_at, coalesce(o.token_issued_at, o.created_at)
FROM single_use_values s
JOIN offers o ON o.tenant_id = s.tenant_id AND o.id = s.data->>'offerId'
WHERE s.kind = 'deferred_transaction_id' AND s.consumed_at IS NULL
  AND s.data->>'configurationId' IS NOT NULL AND jsonb_typeof(s.data->'holders') = 'array'
ON CONFLICT DO NOTHING;
`
