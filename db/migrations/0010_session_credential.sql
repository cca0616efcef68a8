-- Which way to sign in each session (and each signed-in login transaction) rests on: a digest of the
-- card's authentication certificate (issuer key id, serial) or of the social identity (issuer, subject),
-- computed by idp_credential_key() (idp/oauth/account.c). Removing that card or social account from the
-- resident ends the other sessions it signed in (a removed credential keeps nothing open; the session that
-- removes it stays). Sessions from before this migration have '' and end only by logout or expiry.
ALTER TABLE sessions ADD COLUMN credential text NOT NULL DEFAULT '';
ALTER TABLE login_transactions ADD COLUMN credential text NOT NULL DEFAULT '';
