// A burnt offer says when and through which grant (OpenID4VCI 1.0 §13.6.3: the issuer limits
// transaction-code attempts). Since an offer's tx_code also guards its authorization-code grant
// (the learner types it on the authorization page), wrong codes can come through either grant and
// share one counter; the admin sees which one spent the last attempt.

export const offerBurntSchema = /* sql */ `
-- Set by the statement that burns the offer, together with state = 'burnt'. Offers burnt before
-- this migration keep NULLs (the reason was then always the token request).
ALTER TABLE offers ADD COLUMN burnt_at timestamptz;
ALTER TABLE offers ADD COLUMN burnt_via text CHECK (burnt_via IN ('pre-authorized_code', 'authorization_code'));
ALTER TABLE offers ADD CONSTRAINT offers_burnt_reason CHECK (
  (burnt_at IS NULL) = (burnt_via IS NULL) AND (burnt_at IS NULL OR state = 'burnt')
);
`
