/*
 * The message catalogue: every text a resident reads in a JSON answer, in
 * Japanese and English, by key (issue #16 §5). Pages take their texts from
 * here as they move out of the protocol core; the card verifier returns
 * reason codes only (idp_jpki_reason_code) and its messages are
 * "card.<reason>" (docs/card.md, "Decision table").
 */
#include "ui/messages.h"

#include <stddef.h>
#include <string.h>

typedef struct {
    const char *key, *ja, *en;
} message_t;

static const message_t messages[] = {
    {"card.ok", "確認できました。",
     "Verified."},
    {"card.bad_signature", "署名を確認できませんでした。もう一度カードを読み取ってください。",
     "The card's signature could not be verified. Please read the card again."},
    {"card.unknown_issuer", "このカードの証明書は利用できません。",
     "This card's certificate is not issued by J-LIS and cannot be used."},
    {"card.expired", "カードの電子証明書の有効期限が切れています。市区町村の窓口で更新してください。",
     "The card's certificate has expired. Please renew it at your municipal office."},
    {"card.revoked", "カードの電子証明書は失効しています。市区町村の窓口にお問い合わせください。",
     "The card's certificate has been revoked. Please contact your municipal office."},
    {"card.wrong_purpose", "別の種類の証明書が読み取られました。もう一度お試しください。",
     "A certificate of the other kind was read. Please try again."},
    {"card.policy_missing", "このカードの証明書は利用できません。",
     "This certificate is not a My Number card certificate."},
    {"card.weak_key", "このカードの証明書は利用できません。",
     "This certificate's key is not accepted."},
    {"card.malformed", "カードから読み取ったデータが正しくありません。もう一度お試しください。",
     "The data read from the card is not valid. Please try again."},
    {"card.revocation_unknown", "現在、カードの有効性を確認できないため、ログインできません。カードに問題があるという"
                                     "意味ではありません。しばらくしてからもう一度お試しください。",
     "We cannot check cards right now, so you cannot sign in at the moment. This does not "
                                     "mean that anything is wrong with your card. Please try again later."},
    {"card.not_yet_valid", "カードの電子証明書の有効期間がまだ始まっていません。発行や更新の直後は、しばらくしてから"
                                "もう一度お試しください。",
     "The card's certificate is not valid yet. If it was issued or renewed just now, please try "
                                "again later."},
    {"card.bad_key_usage", "このカードの証明書は利用できません。",
     "This card's certificate cannot be used here: its key usage does not allow it."},
    /* whose card it is (oauth/card.c) */
    {"card.card_mismatch", "ログインに使ったカードと違います。同じカードでもう一度お試しください。",
     "This is not the card you signed in with. Try again with the same card."},
    {"card.pair_mismatch",
     "このカードの 2 つの電子証明書の組み合わせを確認できませんでした。お住まいの市区町村の窓口にお問い合わせください。",
     "The two certificates on this card do not belong together. Ask your city office."},
    {"card.already_linked", "このカードは別の SakaI-D に登録済みのため、追加できません。",
     "This card belongs to another SakaI-D and cannot be added to this one."},
};

const char *idp_msg(const char *key, const char *lang)
{
    const message_t *fallback = NULL;
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
        if (!strcmp(messages[i].key, key))
            return lang && !strncmp(lang, "en", 2) ? messages[i].en : messages[i].ja;
        if (!strcmp(messages[i].key, "card.malformed"))
            fallback = &messages[i];
    }
    /* an unknown key is a bug: say something true rather than nothing */
    return lang && !strncmp(lang, "en", 2) ? fallback->en : fallback->ja;
}
