// The verifier pins each presentation request to the key that will sign its request object
// (OpenID4VP 1.0 §5.9.3): the client_id in the QR code (x509_hash: names the certificate itself,
// decentralized_identifier: is answered with that key's kid) is fixed when the request is made,
// so the request object fetched later must be signed with the key of that moment, not with
// whatever key the relying party has after a rotation.

export const presentationSigningKeySchema = /* sql */ `
-- The signing_keys.kid (RFC 7638 thumbprint; it fixes the certificate too, a key record never
-- changes its x5c) of the relying party's key chosen at creation. NULL for unsigned requests
-- (redirect_uri:) and for requests made before this migration. No foreign key on purpose: a
-- key that is destroyed must not take the request's binding with it (ON DELETE SET NULL would
-- let the request fall back to another key) nor be kept alive by old requests (RESTRICT).
ALTER TABLE presentation_requests ADD COLUMN signing_kid text;
`
