/*
 * The message catalogue (ui/messages.c): the texts a resident reads, by key,
 * in Japanese (the default) or English.
 */
#ifndef IDP_UI_MESSAGES_H
#define IDP_UI_MESSAGES_H

/**
 * The text of @p key in @p lang ("en..." for English; anything else,
 * NULL included, for Japanese). Never NULL: an unknown key gets the
 * general "card.malformed" text.
 */
const char *idp_msg(const char *key, const char *lang);

#endif
