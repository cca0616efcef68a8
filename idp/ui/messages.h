/*
 * The message catalogue (ui/messages.c): every text a resident reads, on a
 * page or in a JSON answer, in Japanese (the default) and English, by id.
 * Nothing else in idp/ holds resident-facing text (issue #16 §5).
 */
#ifndef IDP_UI_MESSAGES_H
#define IDP_UI_MESSAGES_H

#include <stdbool.h>

/*
 * Message ids. Each has a stable key (idp_msg_key): "card.<reason>" for the
 * card verifier's reason codes (docs/card.md, "Decision table"),
 * "claim.<claim>" for claim labels, "<page>.<what>" for the pages' texts.
 */
typedef enum {
    /* the card verifier's reasons (idp_jpki_reason_code) and whose card it is (oauth/card.c) */
    IDP_MSG_CARD_OK,
    IDP_MSG_CARD_BAD_SIGNATURE,
    IDP_MSG_CARD_UNKNOWN_ISSUER,
    IDP_MSG_CARD_EXPIRED,
    IDP_MSG_CARD_REVOKED,
    IDP_MSG_CARD_WRONG_PURPOSE,
    IDP_MSG_CARD_POLICY_MISSING,
    IDP_MSG_CARD_WEAK_KEY,
    IDP_MSG_CARD_MALFORMED,
    IDP_MSG_CARD_REVOCATION_UNKNOWN,
    IDP_MSG_CARD_NOT_YET_VALID,
    IDP_MSG_CARD_BAD_KEY_USAGE,
    IDP_MSG_CARD_CARD_MISMATCH,
    IDP_MSG_CARD_PAIR_MISMATCH,
    IDP_MSG_CARD_ALREADY_LINKED,
    /* claim labels (product.md §5), by claim name: idp_msg_claim */
    IDP_MSG_CLAIM_NAME,
    IDP_MSG_CLAIM_BIRTHDATE,
    IDP_MSG_CLAIM_GENDER,
    IDP_MSG_CLAIM_ADDRESS,
    IDP_MSG_CLAIM_SAKAI_RESIDENT,
    IDP_MSG_CLAIM_SAKAI_WARD,
    IDP_MSG_CLAIM_OPENID,
    IDP_MSG_CLAIM_OFFLINE_ACCESS,
    /* shared by several pages */
    IDP_MSG_PURPOSE,
    IDP_MSG_MY_NUMBER_CARD,
    /* error page */
    IDP_MSG_ERROR_TITLE,
    IDP_MSG_ERROR_HEADING,
    IDP_MSG_ERROR_TEXT,
    /* sign-in-again page */
    IDP_MSG_REAUTH_TITLE,
    IDP_MSG_REAUTH_HEADING,
    IDP_MSG_REAUTH_TEXT_CARD,
    IDP_MSG_REAUTH_TEXT,
    IDP_MSG_REAUTH_BUTTON,
    IDP_MSG_REAUTH_BACK,
    /* form_post */
    IDP_MSG_FORM_POST_CONTINUE,
    /* new-card page */
    IDP_MSG_NEW_CARD_TITLE,
    IDP_MSG_NEW_CARD_ASK_HEADING,
    IDP_MSG_NEW_CARD_ASK_TEXT,
    IDP_MSG_NEW_CARD_ASK_RENEWAL,
    IDP_MSG_NEW_CARD_ASK_FIRST,
    IDP_MSG_NEW_CARD_CONFIRM_HEADING,
    IDP_MSG_NEW_CARD_CONFIRM_TEXT,
    IDP_MSG_NEW_CARD_CONFIRM_YES,
    IDP_MSG_NEW_CARD_CONFIRM_NO,
    IDP_MSG_NEW_CARD_NO_MATCH_HEADING,
    IDP_MSG_NEW_CARD_NO_MATCH_TEXT,
    IDP_MSG_NEW_CARD_NO_MATCH_START,
    /* login page */
    IDP_MSG_LOGIN_TITLE,
    IDP_MSG_LOGIN_TO_CLIENT,
    IDP_MSG_LOGIN_NOTE_REAUTH,
    IDP_MSG_LOGIN_CARD_HEADING,
    IDP_MSG_LOGIN_NOTE_SIGN_STEP,
    IDP_MSG_LOGIN_NOTE_RENEWAL,
    IDP_MSG_LOGIN_NOTE_ADDING_CARD,
    IDP_MSG_LOGIN_SCAN,
    IDP_MSG_LOGIN_QR_LABEL,
    IDP_MSG_LOGIN_ON_THIS_PHONE,
    IDP_MSG_LOGIN_OPEN_APP,
    IDP_MSG_LOGIN_WAITING,
    IDP_MSG_LOGIN_CARD_UNAVAILABLE,
    IDP_MSG_LOGIN_CONTINUE,
    IDP_MSG_LOGIN_SKIP,
    IDP_MSG_LOGIN_START_NEW,
    IDP_MSG_LOGIN_TEST_HEADING,
    IDP_MSG_LOGIN_TEST_CARD,
    IDP_MSG_LOGIN_TEST_SIGN,
    IDP_MSG_LOGIN_OTHER_HEADING,
    IDP_MSG_LOGIN_WITH_UPSTREAM,
    IDP_MSG_LOGIN_OTHER_NOTE,
    IDP_MSG_LOGIN_CARD_APP_HEADING,
    IDP_MSG_LOGIN_JS_FAILED,
    IDP_MSG_LOGIN_JS_EXPIRED,
    IDP_MSG_LOGIN_STEPS_LABEL,
    IDP_MSG_LOGIN_STEP_INSTALL,
    IDP_MSG_LOGIN_STEP_SCAN,
    IDP_MSG_LOGIN_STEP_PIN,
    IDP_MSG_LOGIN_STEP_PIN_BOTH,
    IDP_MSG_LOGIN_STEP_HOLD,
    IDP_MSG_LOGIN_PIN_LOCK,
    IDP_MSG_LOGIN_NO_STORE,
    IDP_MSG_LOGIN_DAA_STEP_INSTALL,
    IDP_MSG_LOGIN_DAA_GET,
    IDP_MSG_LOGIN_DAA_STEP_TAP,
    IDP_MSG_LOGIN_TRY_AGAIN,
    IDP_MSG_STORE_IOS,
    IDP_MSG_STORE_ANDROID,
    IDP_MSG_HELP_LINK,
    /* the app page (/login/card/app without the app) */
    IDP_MSG_APP_TITLE,
    IDP_MSG_APP_HEADING,
    IDP_MSG_APP_TEXT,
    IDP_MSG_APP_AFTER,
    IDP_MSG_APP_BACK,
    IDP_MSG_APP_NO_LOGIN,
    /* the help page */
    IDP_MSG_HELP_TITLE,
    IDP_MSG_HELP_NO_APP_Q,
    IDP_MSG_HELP_NO_APP_A,
    IDP_MSG_HELP_PIN_Q,
    IDP_MSG_HELP_PIN_A,
    IDP_MSG_HELP_READ_Q,
    IDP_MSG_HELP_READ_A,
    IDP_MSG_HELP_REFUSED_Q,
    IDP_MSG_HELP_REFUSED_A,
    IDP_MSG_HELP_DAA_Q,
    IDP_MSG_HELP_DAA_A,
    IDP_MSG_HELP_BACK_NOTE,
    /* the app channel's link offer */
    IDP_MSG_APP_LINK_TITLE,
    IDP_MSG_APP_LINK_TEXT,
    IDP_MSG_APP_LINK_YES,
    IDP_MSG_APP_LINK_NO,
    IDP_MSG_APP_LINK_NOTE,
    /* consent page */
    IDP_MSG_CONSENT_TITLE,
    IDP_MSG_CONSENT_ASKS,
    IDP_MSG_CONSENT_RECEIVES,
    IDP_MSG_CONSENT_VERIFIED,
    IDP_MSG_CONSENT_WITHHELD,
    IDP_MSG_CONSENT_PRIVACY_POLICY,
    IDP_MSG_CONSENT_ALLOW,
    IDP_MSG_CONSENT_DENY,
    IDP_MSG_CONSENT_WITHDRAW_NOTE,
    /* account page */
    IDP_MSG_ACCOUNT_TITLE,
    IDP_MSG_ACCOUNT_CRED_HEADING,
    IDP_MSG_ACCOUNT_CRED_VALID,
    IDP_MSG_ACCOUNT_CRED_EXPIRED,
    IDP_MSG_ACCOUNT_CRED_VALID_UNTIL,
    IDP_MSG_ACCOUNT_CRED_REMOVE,
    IDP_MSG_ACCOUNT_CRED_ADD,
    IDP_MSG_ACCOUNT_VERIFIED_HEADING,
    IDP_MSG_ACCOUNT_VERIFIED_NOTE,
    IDP_MSG_ACCOUNT_VERIFIED_NONE,
    IDP_MSG_ACCOUNT_HOUSEHOLD_HEADING,
    IDP_MSG_ACCOUNT_HOUSEHOLD_NOTE,
    IDP_MSG_ACCOUNT_SCHOOL_DISTRICT,
    IDP_MSG_ACCOUNT_AREA,
    IDP_MSG_ACCOUNT_CHILDREN,
    IDP_MSG_ACCOUNT_SAVE,
    IDP_MSG_ACCOUNT_CONSENTS_HEADING,
    IDP_MSG_ACCOUNT_WITHDRAW_ALL,
    IDP_MSG_ACCOUNT_STOP_SHARING,
    IDP_MSG_ACCOUNT_CONSENTS_NONE,
    IDP_MSG_ACCOUNT_LIST_SEPARATOR,
    IDP_MSG_ACCOUNT_IDENTIFIER_ONLY,
    IDP_MSG_ACCOUNT_HISTORY_HEADING,
    IDP_MSG_ACCOUNT_SESSIONS_HEADING,
    IDP_MSG_ACCOUNT_SESSION_CARD,
    IDP_MSG_ACCOUNT_SESSION_OTHER,
    IDP_MSG_ACCOUNT_THIS_DEVICE,
    IDP_MSG_ACCOUNT_SIGN_OUT,
    IDP_MSG_ACCOUNT_NOTICE_LINKED,
    IDP_MSG_ACCOUNT_NOTICE_REMOVED_VERIFIED,
    IDP_MSG_ACCOUNT_NOTICE_REMOVED,
    IDP_MSG_ACCOUNT_NOTICE_REVOKED,
    IDP_MSG_ACCOUNT_NOTICE_SAVED,
    IDP_MSG_ACCOUNT_NOTICE_ENDED,
    /* logout page */
    IDP_MSG_LOGOUT_TITLE,
    IDP_MSG_LOGOUT_DONE,
    IDP_MSG_LOGOUT_ASK,
    IDP_MSG_LOGOUT_BUTTON,
    /* error pages' texts from the protocol core (oauth/flow.c, social.c, account.c) */
    IDP_MSG_ERROR_TOO_MANY_OPEN,
    IDP_MSG_ERROR_TOO_MANY_NETWORK,
    IDP_MSG_ERROR_CARD_TAKEN,
    IDP_MSG_ERROR_UPSTREAM_DOWN,
    IDP_MSG_ERROR_UPSTREAM_UNFINISHED,
    IDP_MSG_ERROR_UPSTREAM_UNVERIFIED,
    IDP_MSG_ERROR_CARD_APP_ASSURANCE,
    IDP_MSG_ERROR_CARD_APP_OTHER_CARD,
    IDP_MSG_ERROR_SIGNED_OUT_WHILE_ADDING,
    IDP_MSG_ERROR_ACCOUNT_TAKEN,
    IDP_MSG_ERROR_LAST_CREDENTIAL,
    IDP_MSG_ERROR_HOUSEHOLD_FORM,
    IDP_MSG_COUNT
} idp_msg_id_t;

/** True if @p lang selects English ("en..."); anything else, NULL included, is Japanese. */
bool idp_msg_lang_en(const char *lang);

/**
 * The text of @p id in @p lang (idp_msg_lang_en). Never NULL: an id out of
 * range gets the general "card.malformed" text.
 */
const char *idp_msg_get(idp_msg_id_t id, const char *lang);

/** The stable key of @p id ("login.title", "card.expired", ...); NULL if out of range. */
const char *idp_msg_key(idp_msg_id_t id);

/**
 * The text with key @p key in @p lang: the card endpoints show
 * "card.<reason>". Never NULL: an unknown key gets the general
 * "card.malformed" text.
 */
const char *idp_msg(const char *key, const char *lang);

/** The label of claim @p claim ("claim.<claim>") in @p lang; NULL if the catalogue has none. */
const char *idp_msg_claim(const char *claim, const char *lang);

#endif
