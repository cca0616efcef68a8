-- 0028: the way the resident signed in, kept on the consent step (issue #17 §1 "Signing", docs/card.md "Signing
-- through the app"). The transaction a resident signed in with ends when the consent step begins (flow.c
-- hand_over); the step records that sign-in's credential key (idp_credential_key) so that an application is signed
-- through the channel the resident signed in with in this authorization (the Digital Agency's app or our own).
-- It is not the step's credential: a consent step is never an authentication and can never be continued.
ALTER TABLE login_transactions ADD COLUMN signed_in_with text NOT NULL DEFAULT '';
