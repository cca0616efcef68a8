/*
 * The message catalogue: every text a resident reads, on a page or in a
 * JSON answer, in Japanese and English, by id (issue #16 §5). The card
 * verifier returns reason codes only (idp_jpki_reason_code) and its
 * messages are "card.<reason>" (docs/card.md, "Decision table"); the pages
 * (ui/page_*.c) take every text they show from here, claim labels included.
 */
#include "ui/messages.h"

#include <stddef.h>
#include <string.h>

typedef struct {
    const char *key, *ja, *en;
} message_t;

/* Indexed by id: a missing entry is a hole (NULL), which unit_ui_pages finds. */
static const message_t messages[IDP_MSG_COUNT] = {
    [IDP_MSG_CARD_OK] = {"card.ok", "確認できました。", "Verified."},
    [IDP_MSG_CARD_BAD_SIGNATURE] = {"card.bad_signature",
                                    "署名を確認できませんでした。もう一度カードを読み取ってください。",
                                    "The card's signature could not be verified. Please read the card again."},
    [IDP_MSG_CARD_UNKNOWN_ISSUER] = {"card.unknown_issuer", "このカードの証明書は利用できません。",
                                     "This card's certificate is not issued by J-LIS and cannot be used."},
    [IDP_MSG_CARD_EXPIRED] = {"card.expired",
                              "カードの電子証明書の有効期限が切れています。お住まいの区の区役所 市民課の窓口で"
                              "更新できます。マイナンバーカードをお持ちください(暗証番号は窓口で設定し直せます)。",
                              "The card's certificate has expired. The citizens' section (市民課) of your ward "
                              "office renews it. Bring your My Number card; you can set new PINs there."},
    [IDP_MSG_CARD_REVOKED] = {"card.revoked",
                              "カードの電子証明書は失効しています。お住まいの区の区役所 市民課の窓口で発行し直せます。"
                              "マイナンバーカードをお持ちください。",
                              "The card's certificate has been revoked. The citizens' section (市民課) of your ward "
                              "office can issue a new one. Bring your My Number card."},
    [IDP_MSG_CARD_WRONG_PURPOSE] = {"card.wrong_purpose",
                                    "別の種類の証明書が読み取られました。もう一度お試しください。",
                                    "A certificate of the other kind was read. Please try again."},
    [IDP_MSG_CARD_POLICY_MISSING] = {"card.policy_missing", "このカードの証明書は利用できません。",
                                     "This certificate is not a My Number card certificate."},
    [IDP_MSG_CARD_WEAK_KEY] = {"card.weak_key", "このカードの証明書は利用できません。",
                               "This certificate's key is not accepted."},
    [IDP_MSG_CARD_MALFORMED] = {"card.malformed",
                                "カードから読み取ったデータが正しくありません。もう一度お試しください。",
                                "The data read from the card is not valid. Please try again."},
    [IDP_MSG_CARD_REVOCATION_UNKNOWN] =
        {"card.revocation_unknown",
         "現在、カードの有効性を確認できないため、ログインできません。カードに問題があるという"
         "意味ではありません。しばらくしてからもう一度お試しください。",
         "We cannot check cards right now, so you cannot sign in at the moment. This does not "
         "mean that anything is wrong with your card. Please try again later."},
    [IDP_MSG_CARD_NOT_YET_VALID] =
        {"card.not_yet_valid",
         "カードの電子証明書の有効期間がまだ始まっていません。発行や更新の直後は、しばらくしてから"
         "もう一度お試しください。",
         "The card's certificate is not valid yet. If it was issued or renewed just now, please "
         "try again later."},
    [IDP_MSG_CARD_BAD_KEY_USAGE] = {"card.bad_key_usage", "このカードの証明書は利用できません。",
                                    "This card's certificate cannot be used here: its key usage does not allow it."},
    [IDP_MSG_CARD_CARD_MISMATCH] = {"card.card_mismatch",
                                    "ログインに使ったカードと違います。同じカードでもう一度お試しください。",
                                    "This is not the card you signed in with. Try again with the same card."},
    [IDP_MSG_CARD_PAIR_MISMATCH] =
        {"card.pair_mismatch",
         "このカードの 2 つの電子証明書の組み合わせを確認できませんでした。マイナンバーカードを"
         "お持ちのうえ、お住まいの区の区役所 市民課の窓口でご相談ください。",
         "The two certificates on this card do not belong together. Bring your My Number card to the "
         "citizens' section (市民課) of your ward office."},
    [IDP_MSG_CARD_ALREADY_LINKED] = {"card.already_linked",
                                     "このカードは別の SakaI-D に登録済みのため、追加できません。",
                                     "This card belongs to another SakaI-D and cannot be added to this one."},

    [IDP_MSG_CLAIM_NAME] = {"claim.name", "氏名", "Name"},
    [IDP_MSG_CLAIM_BIRTHDATE] = {"claim.birthdate", "生年月日", "Date of birth"},
    [IDP_MSG_CLAIM_GENDER] = {"claim.gender", "性別", "Gender"},
    [IDP_MSG_CLAIM_ADDRESS] = {"claim.address", "住所", "Address"},
    [IDP_MSG_CLAIM_SAKAI_RESIDENT] = {"claim.sakai_resident", "堺市民であるかどうか", "Whether you live in Sakai City"},
    [IDP_MSG_CLAIM_SAKAI_WARD] = {"claim.sakai_ward", "お住まいの区", "The ward you live in"},
    [IDP_MSG_CLAIM_OPENID] = {"claim.openid", "あなたを識別する番号(このサービス専用)",
                              "An identifier for you (for this service)"},
    /* a city (public-subject) client's identifier: the same for every city service (product.md §5) */
    [IDP_MSG_CLAIM_OPENID_PUBLIC] = {"claim.openid_public", "あなたを識別する番号(堺市のサービスで共通の番号)",
                                     "An identifier for you (the same number for all Sakai City services)"},
    [IDP_MSG_CLAIM_OFFLINE_ACCESS] = {"claim.offline_access", "ログアウトした後も、同意を取り消すまで利用を続けること",
                                      "Keeps access after you sign out, until you withdraw consent"},

    [IDP_MSG_PURPOSE] = {"page.purpose", "利用目的:", "Purpose:"},
    [IDP_MSG_MY_NUMBER_CARD] = {"page.my_number_card", "マイナンバーカード", "My Number card"},

    [IDP_MSG_ERROR_TITLE] = {"error.title", "エラー", "Error"},
    [IDP_MSG_ERROR_HEADING] = {"error.heading", "ログインを続けられません", "The sign-in cannot continue"},
    [IDP_MSG_ERROR_TEXT] = {"error.text",
                            "このログインは続けられません。ご利用中のサービスに戻って、最初からやり直してください。",
                            "This sign-in cannot go on. Go back to the service you were using and start again."},
    [IDP_MSG_ERROR_BACK_TO_SERVICE] = {"error.back_to_service", "サービスに戻る", "Back to the service"},
    [IDP_MSG_ERROR_TO_ACCOUNT] = {"error.to_account", "SakaI-D のアカウントページへ", "To your SakaI-D account page"},
    [IDP_MSG_ERROR_ACCOUNT_HEADING] = {"error.account_heading", "アカウントの操作を完了できませんでした",
                                       "That change to your account did not go through"},
    [IDP_MSG_ERROR_ACCOUNT_TEXT] = {"error.account_text",
                                    "アカウントページに戻って、もう一度お試しください。ページを開き直すと、"
                                    "いまの状態が表示されます。",
                                    "Go back to your account page and try again. Opening it again shows where "
                                    "things stand now."},
    [IDP_MSG_ERROR_BACK_TO_ACCOUNT] = {"error.back_to_account", "アカウントページに戻る", "Back to your account page"},
    [IDP_MSG_ERROR_HOUSEHOLD_HEADING] = {"error.household_heading", "世帯の情報を保存できませんでした",
                                         "Your household information was not saved"},
    [IDP_MSG_ERROR_HOUSEHOLD_TEXT] = {"error.household_text",
                                      "入力した内容を確かめて、アカウントページでもう一度保存してください。",
                                      "Check what you entered and save it again on your account page."},
    [IDP_MSG_ERROR_LOGOUT_HEADING] = {"error.logout_heading", "ログアウトのリクエストを受け付けられません",
                                      "This sign-out request cannot be accepted"},
    [IDP_MSG_ERROR_LOGOUT_TEXT] = {"error.logout_text",
                                   "ご利用中のサービスからもう一度ログアウトするか、アカウントページでログアウトして"
                                   "ください。",
                                   "Sign out again from the service you were using, or sign out on your account "
                                   "page."},
    [IDP_MSG_ERROR_UNAVAILABLE_HEADING] = {"error.unavailable_heading", "ただいま SakaI-D を利用できません",
                                           "SakaI-D is not available right now"},
    [IDP_MSG_ERROR_UNAVAILABLE_TEXT] = {"error.unavailable_text",
                                        "しばらく待ってから、このページを読み込み直すか、最初からやり直してください。",
                                        "Wait a little, then reload this page or start again."},
    [IDP_MSG_ERROR_CODE] = {"error.code",
                            "エラーコード（お問い合わせのときにお伝えください）:", "Error code (for the help desk):"},

    [IDP_MSG_REAUTH_TITLE] = {"reauth.title", "もう一度ログイン", "Sign in again"},
    [IDP_MSG_REAUTH_HEADING] = {"reauth.heading", "もう一度ログインしてください", "Please sign in again"},
    [IDP_MSG_REAUTH_TEXT_CARD] =
        {"reauth.text_card",
         "ログイン方法を追加したり外したりする前に、安全のため、マイナンバーカードでもう一度ログインしてください"
         "(5 分以内のログインが必要です)。",
         "Before you add or remove a way to sign in, sign in again with your My Number card, for "
         "your safety (it must be within the last 5 minutes)."},
    [IDP_MSG_REAUTH_TEXT] =
        {"reauth.text",
         "ログイン方法を追加したり外したりする前に、安全のため、もう一度ログインしてください"
         "(5 分以内のログインが必要です)。",
         "Before you add or remove a way to sign in, sign in again, for your safety (it must be within "
         "the last 5 minutes)."},
    [IDP_MSG_REAUTH_BUTTON] = {"reauth.button", "もう一度ログインする", "Sign in again"},
    [IDP_MSG_REAUTH_BACK] = {"reauth.back", "アカウントに戻る", "Back to your account"},

    /* The form_post page is not localised (it has no ui_locales of its own): both languages at once. */
    [IDP_MSG_FORM_POST_CONTINUE] = {"form_post.continue", "続ける / Continue", "続ける / Continue"},

    [IDP_MSG_NEW_CARD_TITLE] = {"new_card.title", "はじめてのカード", "A card new to SakaI-D"},
    [IDP_MSG_NEW_CARD_ASK_HEADING] = {"new_card.ask_heading", "このカードで SakaI-D を使うのは初めてです",
                                      "This card is new to SakaI-D"},
    [IDP_MSG_NEW_CARD_ASK_TEXT] =
        {"new_card.ask_text",
         "カードを更新した場合は、前のカードで使っていた SakaI-D を引き継げます。"
         "カードの署名用電子証明書の氏名・住所・生年月日・性別が、前のカードで確認したものと同じなら、その "
         "SakaI-D が見つかります。",
         "If you renewed your card, you can keep the SakaI-D you used with your earlier card: when "
         "the name, address, date of birth and gender on this card's signing certificate are the "
         "ones your earlier card verified, we find it."},
    [IDP_MSG_NEW_CARD_ASK_RENEWAL] = {"new_card.ask_renewal", "前のカードの SakaI-D を引き継ぐ",
                                      "Keep the SakaI-D of my earlier card"},
    [IDP_MSG_NEW_CARD_ASK_FIRST] = {"new_card.ask_first", "初めて使う", "I am new to SakaI-D"},
    [IDP_MSG_NEW_CARD_CONFIRM_HEADING] = {"new_card.confirm_heading", "SakaI-D が見つかりました",
                                          "We found your SakaI-D"},
    [IDP_MSG_NEW_CARD_CONFIRM_TEXT] =
        {"new_card.confirm_text",
         "このカードの氏名・住所・生年月日・性別は、これまでの SakaI-D で確認した情報と同じです。"
         "このカードをその SakaI-D に追加しますか。追加すると、このカードでこれまでの SakaI-D "
         "にログインできます。",
         "This card's name, address, date of birth and gender are the ones your SakaI-D has "
         "verified. Add this card to that SakaI-D? Then this card signs you in to it."},
    [IDP_MSG_NEW_CARD_CONFIRM_YES] = {"new_card.confirm_yes", "追加する", "Add the card"},
    [IDP_MSG_NEW_CARD_CONFIRM_NO] = {"new_card.confirm_no", "追加せず、新しい SakaI-D で始める",
                                     "No: start a new SakaI-D"},
    [IDP_MSG_NEW_CARD_NO_MATCH_HEADING] = {"new_card.no_match_heading", "見つかりませんでした", "No SakaI-D matched"},
    [IDP_MSG_NEW_CARD_NO_MATCH_TEXT] =
        {"new_card.no_match_text",
         "このカードの情報と同じ SakaI-D はありませんでした。住所や氏名が変わった場合は引き継げません。"
         "新しい SakaI-D で始めるか、お住まいの市区町村の窓口でカードの紐付け情報を確認してください。",
         "No SakaI-D carries this card's details. After a move or a change of name they no "
         "longer match: start a new SakaI-D, or ask your city office about the link between "
         "your cards."},
    [IDP_MSG_NEW_CARD_NO_MATCH_START] = {"new_card.no_match_start", "新しい SakaI-D で始める", "Start a new SakaI-D"},

    [IDP_MSG_LOGIN_TITLE] = {"login.title", "ログイン", "Sign in"},
    [IDP_MSG_LOGIN_TO_CLIENT] = {"login.to_client", " にログインします。", ": sign in to continue."},
    [IDP_MSG_LOGIN_NOTE_REAUTH] =
        {"login.note_reauth",
         "このサービスにはマイナンバーカードが必要です。安全のため、カードを SakaI-D に追加する前に、"
         "いつもの方法でもう一度ログインしてください。続けてカードの読み取りをお願いします。",
         "This service needs your My Number card. For your safety, sign in again the way you "
         "usually do before the card is added to your SakaI-D; the card comes next."},
    [IDP_MSG_LOGIN_CARD_HEADING] = {"login.card_heading", "マイナンバーカードでログイン",
                                    "Sign in with your My Number card"},
    [IDP_MSG_LOGIN_NOTE_SIGN_STEP] =
        {"login.note_sign_step",
         "このサービスは、マイナンバーカードで確認した氏名・住所・生年月日・性別を求めています。"
         "アプリでカードの 2 つの電子証明書を読み取ってください（署名用のパスワード 6〜16 "
         "文字が必要です）。",
         "This service asks for your name, address, date of birth and gender as verified by "
         "your My Number card. Read both certificates of your card with the app (you need the "
         "signature password, 6 to 16 characters)."},
    [IDP_MSG_LOGIN_NOTE_RENEWAL] =
        {"login.note_renewal",
         "以前のカードで使っていた SakaI-D を探します。アプリでこのカードの 2 つの電子証明書を読み取って"
         "ください（署名用のパスワード 6〜16 文字が必要です）。",
         "We look for the SakaI-D you used with your earlier card. Read both certificates of "
         "this card with the app (you need the signature password, 6 to 16 characters)."},
    [IDP_MSG_LOGIN_NOTE_ADDING_CARD] =
        {"login.note_adding_card",
         "このサービスにはマイナンバーカードが必要です。カードは、いまログインしている SakaI-D "
         "に追加されます。",
         "This service needs your My Number card. The card will be added to the SakaI-D you "
         "are signed in with."},
    [IDP_MSG_LOGIN_SCAN] = {"login.scan", "スマートフォンのアプリでこのQRコードを読み取り、カードをかざしてください。",
                            "Scan this QR code with the app on your phone, then hold your card to the phone."},
    [IDP_MSG_LOGIN_QR_LABEL] = {"login.qr_label", "ログイン用QRコード", "QR code for signing in"},
    [IDP_MSG_LOGIN_ON_THIS_PHONE] = {"login.on_this_phone",
                                     "このスマートフォンでログインする場合:", "Signing in on this phone:"},
    [IDP_MSG_LOGIN_OPEN_APP] = {"login.open_app", "アプリで開く", "Open in the app"},
    [IDP_MSG_LOGIN_WAITING] = {"login.waiting", "カードの読み取りを待っています…", "Waiting for your card…"},
    [IDP_MSG_LOGIN_CARD_UNAVAILABLE] = {"login.card_unavailable", "カードでのログインは現在利用できません。",
                                        "Card sign-in is not available right now."},
    [IDP_MSG_LOGIN_CONTINUE] = {"login.continue", "読み取りが終わったら続ける", "Continue after reading the card"},
    [IDP_MSG_LOGIN_SKIP] = {"login.skip", "読み取らずに続ける（この情報は提供されません）",
                            "Continue without it (this information is not shared)"},
    [IDP_MSG_LOGIN_START_NEW] = {"login.start_new", "新しい SakaI-D で始める", "Start a new SakaI-D instead"},
    [IDP_MSG_LOGIN_TEST_HEADING] = {"login.test_heading", "開発用: テストカード", "Development: test card"},
    [IDP_MSG_LOGIN_TEST_CARD] = {"login.test_card", "カード", "Card"},
    [IDP_MSG_LOGIN_TEST_SIGN] = {"login.test_sign", "テストカードで署名", "Sign with test card"},
    [IDP_MSG_LOGIN_OTHER_HEADING] = {"login.other_heading", "ほかの方法でログイン", "Other ways to sign in"},
    [IDP_MSG_LOGIN_WITH_UPSTREAM] = {"login.with_upstream", " でログイン", ": sign in"},
    [IDP_MSG_LOGIN_OTHER_NOTE] = {"login.other_note",
                                  "マイナンバーカードが必要なサービスでは、あとでカードをお願いすることがあります。",
                                  "Services that need your My Number card will ask for it later."},
    [IDP_MSG_LOGIN_CARD_APP_HEADING] = {"login.card_app_heading", "デジタル認証アプリでマイナンバーカードを使う",
                                        "Use your My Number card with the Digital Authentication App"},
    /* These two go into a JavaScript string literal: no quotes, backslashes or '<' (unit_ui_pages checks). */
    [IDP_MSG_LOGIN_JS_FAILED] = {"login.js_failed", "カードを確認できませんでした。もう一度お試しください。",
                                 "The card could not be verified. Please try again."},
    [IDP_MSG_LOGIN_JS_EXPIRED] = {"login.js_expired", "時間切れです。新しいQRコードを表示します。",
                                  "Timed out. Showing a new QR code."},
    [IDP_MSG_LOGIN_JS_DONE] = {"login.js_done", "カードを確認しました。次の画面へ進みます。",
                               "Your card was checked. Going on to the next page."},
    [IDP_MSG_LOGIN_STEPS_LABEL] = {"login.steps_label", "手順", "Steps"},
    [IDP_MSG_LOGIN_STEP_INSTALL] = {"login.step_install", "スマートフォンに「SakaI-D アプリ」を入れます。",
                                    "Install the SakaI-D app on your phone."},
    [IDP_MSG_LOGIN_STEP_SCAN] = {"login.step_scan",
                                 "アプリでこのQRコードを読み取ります。このスマートフォンで見ているときは、"
                                 "下の「アプリで開く」を押します。",
                                 "Scan this QR code with the app. If you are reading this on your phone, press "
                                 "\"Open in the app\" below instead."},
    [IDP_MSG_LOGIN_STEP_PIN] = {"login.step_pin", "利用者証明用電子証明書の暗証番号（数字4桁）を入力します。",
                                "Enter the 4-digit PIN of your card's user certificate (利用者証明用電子証明書)."},
    [IDP_MSG_LOGIN_STEP_PIN_BOTH] = {"login.step_pin_both",
                                     "利用者証明用電子証明書の暗証番号（数字4桁）と、署名用電子証明書のパスワード"
                                     "（英数字6〜16文字）を入力します。",
                                     "Enter the 4-digit PIN of your card's user certificate and the password "
                                     "(6 to 16 letters and digits) of its signature certificate."},
    [IDP_MSG_LOGIN_STEP_HOLD] = {"login.step_hold",
                                 "マイナンバーカードをスマートフォンの背面にかざし、読み取りが終わるまで動かさずに"
                                 "待ちます。",
                                 "Hold your My Number card to the back of the phone, still, until the reading "
                                 "ends."},
    [IDP_MSG_LOGIN_PIN_LOCK] = {"login.pin_lock",
                                "暗証番号を3回続けて間違えると、その電子証明書はロックされます。ロックは、"
                                "お住まいの区役所の窓口で、カードを持って行けば解除できます。",
                                "Three wrong PINs in a row lock that certificate. Your ward office unlocks it: "
                                "take your card there."},
    [IDP_MSG_LOGIN_NO_STORE] = {"login.no_store",
                                "この画面ではアプリの入手先をご案内できません。「うまくいかないとき」をご覧ください。",
                                "This service does not list where to get the app. See \"If it does not work\"."},
    [IDP_MSG_LOGIN_DAA_STEP_INSTALL] = {"login.daa_step_install",
                                        "スマートフォンにデジタル庁の「デジタル認証アプリ」を入れます。",
                                        "Install the Digital Agency's Digital Authentication App (デジタル認証アプリ) "
                                        "on your phone."},
    [IDP_MSG_LOGIN_DAA_GET] = {"login.daa_get", "入手方法（デジタル庁のページ）",
                               "How to get it (the Digital Agency's page)"},
    [IDP_MSG_LOGIN_DAA_STEP_TAP] = {"login.daa_step_tap",
                                    "下のボタンを押します。パソコンでは、表示されるQRコードをアプリで読み取ります。",
                                    "Press the button below. On a computer, scan the QR code it shows with the app."},
    [IDP_MSG_LOGIN_TRY_AGAIN] = {"login.try_again", "もう一度試す", "Try again"},
    [IDP_MSG_STORE_IOS] = {"store.ios", "App Store で入手（iPhone）", "Get it on the App Store (iPhone)"},
    [IDP_MSG_STORE_ANDROID] = {"store.android", "Google Play で入手（Android）", "Get it on Google Play (Android)"},
    [IDP_MSG_HELP_LINK] = {"help.link", "うまくいかないとき", "If it does not work"},

    [IDP_MSG_APP_TITLE] = {"app.title", "SakaI-D アプリ", "The SakaI-D app"},
    [IDP_MSG_APP_HEADING] = {"app.heading", "SakaI-D アプリが必要です", "You need the SakaI-D app"},
    [IDP_MSG_APP_TEXT] = {"app.text",
                          "このページが表示されたのは、このスマートフォンに SakaI-D アプリが入っていないためです。"
                          "マイナンバーカードでログインするには、アプリでカードを読み取ります。",
                          "You see this page because the SakaI-D app is not installed on this phone. To sign in "
                          "with your My Number card, the app reads the card."},
    [IDP_MSG_APP_AFTER] = {"app.after",
                           "アプリを入れたら、ログイン画面に戻って、もう一度「アプリで開く」を押してください。"
                           "パソコンにQRコードが表示されているときは、アプリでそのQRコードを読み取ってください。",
                           "Once the app is installed, go back to the sign-in page and press \"Open in the "
                           "app\" again. If a computer shows the QR code, scan it with the app."},
    [IDP_MSG_APP_BACK] = {"app.back", "ログイン画面に戻る", "Back to the sign-in page"},
    [IDP_MSG_APP_NO_LOGIN] = {"app.no_login",
                              "このリンクのログインは終わっているか、時間切れです。ご利用中のサービスに戻って、"
                              "もう一度ログインしてください。",
                              "The sign-in of this link has ended or timed out. Go back to the service you were "
                              "using and sign in again."},

    [IDP_MSG_HELP_TITLE] = {"help.title", "うまくいかないとき", "If it does not work"},
    [IDP_MSG_HELP_NO_APP_Q] = {"help.no_app_q", "アプリが入っていない", "The app is not installed"},
    [IDP_MSG_HELP_NO_APP_A] = {"help.no_app_a", "ログイン画面の手順①の案内から、SakaI-D アプリを入れてください。",
                               "Install the SakaI-D app from step 1 of the sign-in page."},
    [IDP_MSG_HELP_PIN_Q] = {"help.pin_q", "暗証番号を忘れた、ロックされた", "I forgot my PIN, or it is locked"},
    [IDP_MSG_HELP_PIN_A] = {"help.pin_a",
                            "利用者証明用電子証明書の暗証番号（数字4桁）は、3回続けて間違えるとロックされます。"
                            "お住まいの区役所の窓口に、マイナンバーカードを持って行くと、暗証番号を設定し直せます。",
                            "The 4-digit PIN of the user certificate locks after three wrong tries in a row. Take "
                            "your My Number card to your ward office to set a new PIN."},
    [IDP_MSG_HELP_READ_Q] = {"help.read_q", "カードが読み取れない", "The phone does not read the card"},
    [IDP_MSG_HELP_READ_A] = {"help.read_a",
                             "スマートフォンのケースを外し、カードを背面の中央に当てて、読み取りが終わるまで"
                             "動かさないでください。NFC がオフになっていないかも確かめてください。",
                             "Take the phone out of its case, put the card on the middle of its back and keep it "
                             "still until the reading ends. Check that NFC is on."},
    [IDP_MSG_HELP_REFUSED_Q] = {"help.refused_q", "「カードを確認できませんでした」と表示された",
                                "The page says the card could not be verified"},
    [IDP_MSG_HELP_REFUSED_A] = {"help.refused_a",
                                "電子証明書の有効期限が切れているか失効しているときは、区役所の窓口で更新して"
                                "ください。それ以外のときは、「もう一度試す」を押して、最初から読み取り直して"
                                "ください。",
                                "When the certificate has expired or been revoked, renew it at your ward office. "
                                "Otherwise press \"Try again\" and read the card again from the start."},
    [IDP_MSG_HELP_DAA_Q] = {"help.daa_q", "デジタル認証アプリを使いたい",
                            "I want to use the Digital Authentication App"},
    [IDP_MSG_HELP_DAA_A] = {"help.daa_a",
                            "ログイン画面に「デジタル認証アプリ」のボタンがあるサービスでは、デジタル庁の"
                            "アプリでもマイナンバーカードを使えます。",
                            "Where the sign-in page has a Digital Authentication App button, you can use your My "
                            "Number card with the Digital Agency's app too."},
    [IDP_MSG_APP_LINK_TITLE] = {"app_link.title", "この SakaI-D に追加しますか", "Add this to your SakaI-D?"},
    [IDP_MSG_APP_LINK_TEXT] =
        {"app_link.text",
         "アプリで読み取ったマイナンバーカードの氏名・生年月日・性別・住所が、マイナンバーカードで"
         "確認済みの SakaI-D と一致しました。ご本人の SakaI-D であれば、このアプリでのログインを"
         "追加できます。追加すると、どちらの方法でも同じ SakaI-D にログインします。",
         "The name, date of birth, gender and address of the My Number card read by the app "
         "match a SakaI-D verified with a My Number card. If it is yours, you can add signing "
         "in with this app to it; then both ways sign you in to the same SakaI-D."},
    [IDP_MSG_APP_LINK_YES] = {"app_link.yes", "はい、この SakaI-D に追加する", "Yes, add it to this SakaI-D"},
    [IDP_MSG_APP_LINK_NO] = {"app_link.no", "いいえ、新しい SakaI-D を作る", "No, make a new SakaI-D"},
    [IDP_MSG_APP_LINK_NOTE] = {"app_link.note", "追加は、あとでアカウントページから取り消せます。",
                               "You can remove it later on your account page."},
    [IDP_MSG_HELP_BACK_NOTE] = {"help.back_note",
                                "ログインを続けるには、ブラウザの「戻る」でログイン画面に戻ってください。",
                                "To go on signing in, go back to the sign-in page with your browser's back button."},

    [IDP_MSG_CONSENT_TITLE] = {"consent.title", "情報提供の同意", "Consent"},
    [IDP_MSG_CONSENT_ASKS] = {"consent.asks", " があなたの情報の提供を求めています", " asks for your information"},
    [IDP_MSG_CONSENT_RECEIVES] = {"consent.receives", "同意すると、次の情報が提供されます。",
                                  "If you agree, it receives:"},
    [IDP_MSG_CONSENT_VERIFIED] = {"consent.verified", "(マイナンバーカードで確認済み)",
                                  " (verified with your My Number card)"},
    [IDP_MSG_CONSENT_WITHHELD] =
        {"consent.withheld", "次の情報は提供されません。マイナンバーカードでログインしたときだけ提供できます。",
         "It will not receive the following: they are provided only when you sign in with your "
         "My Number card."},
    [IDP_MSG_CONSENT_WITHHELD_UNSIGNED] =
        {"consent.withheld_unsigned",
         "次の情報は提供されません。マイナンバーカードの署名用電子証明書を読み取らなかったためです。提供するには、"
         "このサービスからもう一度ログインし、署名用電子証明書のパスワード(英数字6〜16文字)も入力してください。",
         "The following will not be provided, because your My Number card's signing certificate was not read. To "
         "provide them, sign in from this service again and also enter the signature password (6 to 16 "
         "letters and numbers)."},
    [IDP_MSG_CONSENT_PRIVACY_POLICY] = {"consent.privacy_policy", "プライバシーポリシー", "Privacy policy"},
    [IDP_MSG_CONSENT_ALLOW] = {"consent.allow", "同意して続ける", "Allow"},
    [IDP_MSG_CONSENT_DENY] = {"consent.deny", "同意しない", "Deny"},
    [IDP_MSG_CONSENT_WITHDRAW_NOTE] = {"consent.withdraw_note", "同意はいつでもアカウントページで取り消せます。",
                                       "You can withdraw your consent at any time."},
    [IDP_MSG_CONSENT_APP_HEADING] = {"consent.app.heading", "申請の内容", "The application"},
    [IDP_MSG_CONSENT_APP_PROCEDURE] = {"consent.app.procedure", "手続き", "Procedure"},
    [IDP_MSG_CONSENT_APP_ID] = {"consent.app.id", "申請番号", "Application number"},
    [IDP_MSG_CONSENT_APP_READS] = {"consent.app.reads", "この申請のために読み取る情報",
                                   "What it reads for this application"},
    [IDP_MSG_CONSENT_APP_SIGNS] = {"consent.app.signs", "署名する申請書", "The application form you sign"},
    [IDP_MSG_CONSENT_APP_SIGNS_NOTE] =
        {"consent.app.signs_note",
         "同意の後、マイナンバーカードの署名用電子証明書（6～16桁のパスワード）でこの申請書に電子署名します。"
         "申請書の指紋（SHA-256）:",
         "After you agree, you sign this application form with your My Number card's "
         "signing certificate (its 6-16 character password). The form's fingerprint "
         "(SHA-256):"},
    [IDP_MSG_CONSENT_APP_ONCE] = {"consent.app.once", "この同意はこの申請1件だけに使われます。",
                                  "This consent is for this one application only."},
    [IDP_MSG_CONSENT_APP_SIGNED] = {"consent.app.signed",
                                    "マイナンバーカードで署名しました。「同意する」で申請を送ります。",
                                    "Signed with your My Number card. Press \"Allow\" to send the application."},
    [IDP_MSG_CONSENT_APP_SIGN_UPSTREAM_HOW] =
        {"consent.app.sign_upstream_how",
         "デジタル認証アプリでマイナンバーカードの署名用電子証明書を使い、署名用パスワード(6〜16文字)で署名します。",
         "You sign with your My Number card's signing certificate in the Digital Agency's app (デジタル認証アプリ), "
         "with its signing password (6-16 characters)."},
    [IDP_MSG_CONSENT_APP_SIGN_UPSTREAM] = {"consent.app.sign_upstream", "デジタル認証アプリで署名する",
                                           "Sign in the Digital Agency's app"},
    [IDP_MSG_ERROR_APP_SIGN_UNFINISHED] =
        {"error.app_sign_unfinished",
         "デジタル認証アプリでの署名が完了しなかったため、申請は送られていません。サービスからやり直してください。",
         "The signature in the Digital Agency's app did not finish, so the application was not sent. Start again "
         "from the service."},
    [IDP_MSG_CONSENT_APP_SIGN_HOW] =
        {"consent.app.sign_how",
         "スマートフォンのアプリでこのコードを読み取るか、下のボタンでアプリを開き、"
         "カードをかざして署名用パスワードを入力してください。署名の後、「同意する」を押してください。",
         "Scan this code with the app on your phone, or open the app with the button "
         "below, hold the card to the phone and enter the signing password. Then press "
         "\"Allow\"."},

    [IDP_MSG_ACCOUNT_TITLE] = {"account.title", "アカウント", "Account"},
    [IDP_MSG_ACCOUNT_CRED_HEADING] = {"account.cred_heading", "ログイン方法", "Ways you sign in"},
    [IDP_MSG_ACCOUNT_CRED_VALID] = {"account.cred_valid", "有効", "valid"},
    [IDP_MSG_ACCOUNT_CRED_EXPIRED] = {"account.cred_expired", "期限切れ: カードの更新後にもう一度ログインしてください",
                                      "expired: sign in again after renewing the card"},
    [IDP_MSG_ACCOUNT_CRED_VALID_UNTIL] = {"account.cred_valid_until", "証明書の有効期限", "certificate valid until"},
    [IDP_MSG_ACCOUNT_CRED_REMOVE] = {"account.cred_remove", "このログイン方法を外す", "Remove"},
    [IDP_MSG_ACCOUNT_CRED_ADD] = {"account.cred_add", " を追加", ": add"},
    [IDP_MSG_ACCOUNT_ADD_CARD_TEXT] =
        {"account.add_card_text",
         "マイナンバーカードを追加すると、カードが必要なサービスも使えるようになります。"
         "安全のため、追加の前にもう一度ログインしていただき、続けてカードを読み取ります。",
         "Add your My Number card to use the services that need it. For your safety you "
         "sign in again first, then read the card."},
    [IDP_MSG_ACCOUNT_ADD_CARD] = {"account.add_card", "マイナンバーカードを追加", "Add your My Number card"},
    [IDP_MSG_ACCOUNT_ADD_OTHER_TEXT] = {"account.add_other_text",
                                        "ほかのログイン方法を追加できます。安全のため、追加の前にもう一度ログインして"
                                        "いただくことがあります。",
                                        "You can add another way to sign in. For your safety you may be asked to sign "
                                        "in again first."},
    [IDP_MSG_ACCOUNT_VERIFIED_HEADING] = {"account.verified_heading", "確認済みの情報", "Verified information"},
    [IDP_MSG_ACCOUNT_VERIFIED_NOTE] = {"account.verified_note", "マイナンバーカードの署名用電子証明書で確認:",
                                       "Checked with your My Number card's signing certificate on"},
    [IDP_MSG_ACCOUNT_VERIFIED_NONE] = {"account.verified_none", "まだありません。", "None yet."},
    [IDP_MSG_ACCOUNT_HOUSEHOLD_HEADING] = {"account.household_heading", "世帯の情報(自己申告)",
                                           "Household (as you tell us)"},
    [IDP_MSG_ACCOUNT_HOUSEHOLD_NOTE] = {"account.household_note",
                                        "ご自身で登録する情報で、どれも任意です。確認済みとしては扱われず、"
                                        "あなたの同意なしにほかのサービスへ提供することはありません。",
                                        "You register these yourself, and each one is optional. They are never "
                                        "marked as verified, and never given to another service without your "
                                        "consent."},
    [IDP_MSG_ACCOUNT_SCHOOL_DISTRICT] = {"account.school_district", "小学校区", "Elementary school district"},
    [IDP_MSG_ACCOUNT_AREA] = {"account.area", "地域(町名)", "Area (town name)"},
    [IDP_MSG_ACCOUNT_CHILDREN] = {"account.children", "お子さま", "Children"},
    [IDP_MSG_HH_DISTRICT_HINT] = {"household.district_hint",
                                  "お住まいの小学校区です(例:三国丘小学校区)。校区に合った学校や地域の"
                                  "お知らせを選ぶためにお聞きします。",
                                  "The elementary school district you live in (for example, Mikunigaoka). We ask "
                                  "so that school and neighbourhood notices can match your district."},
    [IDP_MSG_HH_AREA_HINT] = {"household.area_hint",
                              "町名までで、番地はいりません(例:中百舌鳥町)。地域のお知らせを選ぶために"
                              "お聞きします。",
                              "Your town name, without the street number (for example, Nakamozu-cho). We ask so "
                              "that local notices can match where you live."},
    [IDP_MSG_HH_CHILDREN_HINT] = {"household.children_hint",
                                  "お子さまの生まれた年と月だけをお聞きします。お名前はいりません。年齢に合った"
                                  "子育てや健診のお知らせを選ぶためです。年と月を空欄にした行は保存されません。",
                                  "We ask only for the year and month each child was born, not their names, so "
                                  "that child-care and health-check notices can match their ages. A row left "
                                  "empty is not saved."},
    [IDP_MSG_HH_CHILD] = {"household.child", "お子さま", "Child"},
    [IDP_MSG_HH_YEAR] = {"household.year", "生まれた年(西暦4桁)", "Year of birth (4 digits)"},
    [IDP_MSG_HH_MONTH] = {"household.month", "生まれた月", "Month of birth"},
    [IDP_MSG_HH_ADD_CHILD] = {"household.add_child", "お子さまを追加", "Add a child"},
    [IDP_MSG_HH_REMOVE_CHILD] = {"household.remove_child", "このお子さまを削除", "Remove this child"},
    [IDP_MSG_HH_CHILDREN_FULL] = {"household.children_full", "お子さまは10人まで登録できます。",
                                  "You can register up to 10 children."},
    [IDP_MSG_HH_ERROR_SUMMARY] = {"household.error_summary", "入力内容を確認してください。まだ保存していません。",
                                  "Check what you entered. Nothing has been saved yet."},
    [IDP_MSG_HH_ERR_TOO_LONG] = {"household.err_too_long", "80文字以内で入力してください。",
                                 "Use at most 80 characters."},
    [IDP_MSG_HH_ERR_BAD_CHAR] = {"household.err_bad_char", "改行などの制御文字は使えません。",
                                 "Line breaks and other control characters cannot be used."},
    [IDP_MSG_HH_ERR_YEAR] = {"household.err_year", "生まれた年を西暦の4桁で入力してください(例:2019)。",
                             "Enter the year of birth as four digits, for example 2019."},
    [IDP_MSG_HH_ERR_MONTH] = {"household.err_month", "生まれた月を1から12の数字で入力してください。",
                              "Enter the month of birth as a number from 1 to 12."},
    [IDP_MSG_HH_ERR_FUTURE] = {"household.err_future", "まだ来ていない年月です。生まれた年と月を確かめてください。",
                               "That month has not come yet. Check the year and month of birth."},
    [IDP_MSG_ACCOUNT_SAVE] = {"account.save", "保存", "Save"},
    [IDP_MSG_ACCOUNT_CONSENTS_HEADING] = {"account.consents_heading", "情報を提供しているサービス",
                                          "Services you share information with"},
    [IDP_MSG_ACCOUNT_WITHDRAW_ALL] = {"account.withdraw_all", "同意をすべて取り消す", "Withdraw all consent"},
    [IDP_MSG_ACCOUNT_STOP_SHARING] = {"account.stop_sharing", " の提供をやめる", ": stop sharing"},
    [IDP_MSG_ACCOUNT_CONSENTS_NONE] = {"account.consents_none", "ありません。", "None."},
    [IDP_MSG_ACCOUNT_LIST_SEPARATOR] = {"account.list_separator", "、", ", "},
    [IDP_MSG_ACCOUNT_IDENTIFIER_ONLY] = {"account.identifier_only", "識別番号のみ", "an identifier only"},
    [IDP_MSG_ACCOUNT_HISTORY_HEADING] = {"account.history_heading", "提供の履歴", "What was shared, and when"},
    [IDP_MSG_ACCOUNT_SIGNATURES_HEADING] = {"account.signatures_heading", "マイナンバーカードで署名した申請",
                                            "Applications you signed with your My Number card"},
    [IDP_MSG_ACCOUNT_SIGNATURES_NONE] = {"account.signatures_none", "まだありません。", "None yet."},
    [IDP_MSG_ACCOUNT_SESSIONS_HEADING] = {"account.sessions_heading", "ログイン中のセッション",
                                          "Where you are signed in"},
    [IDP_MSG_ACCOUNT_SESSION_CARD] = {"account.session_card", "(マイナンバーカード)", "(My Number card)"},
    [IDP_MSG_ACCOUNT_SESSION_OTHER] = {"account.session_other", "(外部アカウント)", "(other account)"},
    [IDP_MSG_ACCOUNT_THIS_DEVICE] = {"account.this_device", " ・この端末", " · this device"},
    [IDP_MSG_ACCOUNT_SIGN_OUT] = {"account.sign_out", "ログアウト", "Sign out"},
    /* the notice after a change (oauth/account.c) */
    [IDP_MSG_ACCOUNT_NOTICE_LINKED] = {"account.notice_linked", "追加しました。この方法でもログインできます。",
                                       "Added. You can now sign in this way too."},
    [IDP_MSG_ACCOUNT_NOTICE_REMOVED_VERIFIED] =
        {"account.notice_removed_verified", "外しました。カードがなくなったため、カードで確認した情報も削除しました。",
         "Removed. With no card left, the attributes your card verified were "
         "removed too."},
    [IDP_MSG_ACCOUNT_NOTICE_REMOVED] = {"account.notice_removed", "外しました。", "Removed."},
    [IDP_MSG_ACCOUNT_NOTICE_REVOKED] = {"account.notice_revoked",
                                        "同意を取り消しました。サービスのアクセスは終了しました。",
                                        "Consent withdrawn. The service's access has ended."},
    [IDP_MSG_ACCOUNT_NOTICE_SAVED] = {"account.notice_saved", "保存しました。", "Saved."},
    [IDP_MSG_ACCOUNT_NOTICE_ENDED] = {"account.notice_ended", "そのセッションをログアウトしました。",
                                      "That session is signed out."},
    /* A date with its era: {Y} {M} {D} (and {MM} {DD} with two digits), {E} the era, {N} its year (ui/page_account.c) */
    [IDP_MSG_DATE_BIRTH] = {"date.birth", "{Y}年{M}月{D}日（{E}{N}年）", "{Y}-{MM}-{DD} ({E} {N})"},
    [IDP_MSG_DATE_FIRST_YEAR] = {"date.first_year", "元", "1"},
    [IDP_MSG_ERA_REIWA] = {"era.reiwa", "令和", "Reiwa"},
    [IDP_MSG_ERA_HEISEI] = {"era.heisei", "平成", "Heisei"},
    [IDP_MSG_ERA_SHOWA] = {"era.showa", "昭和", "Showa"},
    [IDP_MSG_ERA_TAISHO] = {"era.taisho", "大正", "Taisho"},
    [IDP_MSG_ERA_MEIJI] = {"era.meiji", "明治", "Meiji"},
    [IDP_MSG_SITE_CITY] = {"site.city", "堺市", "Sakai City"},
    [IDP_MSG_SITE_ACCOUNT] = {"site.account", "アカウント", "Account"},
    [IDP_MSG_SITE_LANG_LABEL] = {"site.lang_label", "言語", "Language"},
    /* the switch names the other language in that language */
    [IDP_MSG_SITE_OTHER_LANG] = {"site.other_lang", "English", "日本語"},
    [IDP_MSG_SITE_HELP] = {"site.help", "ヘルプ", "Help"},
    [IDP_MSG_SITE_CONTACT] = {"site.contact", "お問い合わせ", "Contact"},
    [IDP_MSG_SITE_PRIVACY] = {"site.privacy", "プライバシーポリシー", "Privacy policy"},
    [IDP_MSG_SITE_TERMS] = {"site.terms", "利用規約", "Terms of use"},
    [IDP_MSG_SITE_FOOTER_LABEL] = {"site.footer_label", "サイトの情報", "About this site"},
    [IDP_MSG_GENDER_FEMALE] = {"gender.female", "女性", "Female"},
    [IDP_MSG_GENDER_MALE] = {"gender.male", "男性", "Male"},

    [IDP_MSG_LOGOUT_TITLE] = {"logout.title", "ログアウト", "Sign out"},
    [IDP_MSG_LOGOUT_DONE] = {"logout.done", "ログアウトしました。", "You are signed out."},
    [IDP_MSG_LOGOUT_ASK] = {"logout.ask", "SakaI-D からログアウトしますか?", "Sign out of SakaI-D?"},
    [IDP_MSG_LOGOUT_BUTTON] = {"logout.button", "ログアウトする", "Sign out"},
    [IDP_MSG_ERROR_TOO_MANY_OPEN] =
        {"error.too_many_open",
         "このブラウザで開いているログインが多すぎます。数分待ってから、サービスからもう一度お試しください。",
         "Too many sign-ins are open in this browser. Wait a few minutes, then start again from the service."},
    [IDP_MSG_ERROR_TOO_MANY_NETWORK] =
        {"error.too_many_network",
         "このネットワークからのログインが多すぎます。1 分ほど待ってから、サービスからもう一度お試しください。",
         "Too many sign-ins from this network. Wait a minute, then start again from the service."},
    [IDP_MSG_ERROR_CARD_TAKEN] = {"error.card_taken",
                                  "このカードはすでに SakaI-D に登録されています。サービスからやり直してください。",
                                  "This card already belongs to a SakaI-D. Start again from the service."},
    [IDP_MSG_ERROR_UPSTREAM_DOWN] =
        {"error.upstream_down", "そのサービスが応答しません。時間をおいて試すか、マイナンバーカードをお使いください。",
         "That provider is not answering: try again later or use your card."},
    [IDP_MSG_ERROR_UPSTREAM_UNFINISHED] = {"error.upstream_unfinished",
                                           "ログインが完了しませんでした。戻ってもう一度お試しください。",
                                           "The sign-in at the provider did not finish: go back and try again."},
    [IDP_MSG_ERROR_UPSTREAM_UNVERIFIED] =
        {"error.upstream_unverified",
         "ログイン先の応答を確認できませんでした。もう一度試すか、マイナンバーカードをお使いください。",
         "The provider's answer could not be verified: sign in again or use your card."},
    [IDP_MSG_ERROR_CARD_APP_ASSURANCE] =
        {"error.card_app_assurance",
         "デジタル認証アプリでのマイナンバーカードの確認が完了しませんでした(カードの有効性を確認できなかったか、"
         "確認の水準が足りません)。もう一度試すか、別の方法でログインしてください。",
         "The Digital Authentication App could not confirm your My Number card (its validity could not be checked, "
         "or the check was not strong enough). Try again, or sign in another way."},
    [IDP_MSG_ERROR_CARD_APP_OTHER_CARD] =
        {"error.card_app_other_card",
         "デジタル認証アプリで読み取ったカードの氏名・生年月日・性別・住所が、この SakaI-D "
         "に登録されたマイナンバーカード"
         "のものと一致しません。ご自身のカードでもう一度お試しください。",
         "The card read in the Digital Authentication App does not carry the name, birth date, gender and address of "
         "the My Number card this SakaI-D holds. Try again with your own card."},
    [IDP_MSG_ERROR_SIGNED_OUT_WHILE_ADDING] =
        {"error.signed_out_while_adding", "追加が終わる前にログアウトしました。ログインしてからやり直してください。",
         "You signed out before the account was added. Sign in and try again."},
    [IDP_MSG_ERROR_ACCOUNT_TAKEN] =
        {"error.account_taken", "このアカウントは別の SakaI-D に登録済みのため、追加できません。",
         "This account is already linked to another SakaI-D and cannot be added to this one."},
    [IDP_MSG_ERROR_LAST_CREDENTIAL] = {"error.last_credential", "ログイン方法がこれだけのため、外せません。",
                                       "This is your only way to sign in, so it cannot be removed."},
    [IDP_MSG_ADMIN_TITLE] = {"admin.title", "管理画面", "Administration"},
    [IDP_MSG_ADMIN_NAV] = {"admin.nav", "管理メニュー", "Administration menu"},
    [IDP_MSG_ADMIN_NAV_CLIENTS] = {"admin.nav_clients", "連携サービス", "Relying parties"},
    [IDP_MSG_ADMIN_NAV_KEYS] = {"admin.nav_keys", "署名鍵", "Signing keys"},
    [IDP_MSG_ADMIN_NAV_AUDIT] = {"admin.nav_audit", "監査", "Audit"},
    [IDP_MSG_ADMIN_SIGNED_IN_AS] = {"admin.signed_in_as", "ログイン中の権限", "Your roles"},
    [IDP_MSG_ADMIN_PENDING] = {"admin.pending", "承認待ち(サンドボックス)", "Waiting for approval (sandbox)"},
    [IDP_MSG_ADMIN_PENDING_NONE] = {"admin.pending_none", "承認待ちの連携サービスはありません。",
                                    "No relying party is waiting for approval."},
    [IDP_MSG_ADMIN_ALL_CLIENTS] = {"admin.all_clients", "すべての連携サービス", "All relying parties"},
    [IDP_MSG_ADMIN_COL_NAME] = {"admin.col_name", "名前", "Name"},
    [IDP_MSG_ADMIN_COL_ORG] = {"admin.col_org", "組織", "Organisation"},
    [IDP_MSG_ADMIN_COL_STATE] = {"admin.col_state", "状態", "State"},
    [IDP_MSG_ADMIN_COL_ID] = {"admin.col_id", "クライアントID", "Client ID"},
    [IDP_MSG_ADMIN_STATE_LIVE] = {"admin.state_live", "公開中", "Live"},
    [IDP_MSG_ADMIN_STATE_SANDBOX] = {"admin.state_sandbox", "サンドボックス", "Sandbox"},
    [IDP_MSG_ADMIN_STATE_SUSPENDED] = {"admin.state_suspended", "停止中", "Suspended"},
    [IDP_MSG_ADMIN_CLIENT_TITLE] = {"admin.client_title", "連携サービスの詳細", "Relying party"},
    [IDP_MSG_ADMIN_TIER] = {"admin.tier", "区分", "Tier"},
    [IDP_MSG_ADMIN_REDIRECTS] = {"admin.redirects", "リダイレクトURI", "Redirect URIs"},
    [IDP_MSG_ADMIN_APPROVE] = {"admin.approve", "承認して公開する", "Approve: go live"},
    [IDP_MSG_ADMIN_APPROVE_HINT] = {"admin.approve_hint",
                                    "承認すると、同意したすべての住民がこのサービスにログインできるようになります。",
                                    "Once approved, every resident who consents can sign in to this service."},
    [IDP_MSG_ADMIN_ROTATE_SECRET] = {"admin.rotate_secret", "クライアントシークレットを再発行する",
                                     "Issue a new client secret"},
    [IDP_MSG_ADMIN_ROTATE_SECRET_HINT] =
        {"admin.rotate_secret_hint",
         "古いシークレットはすぐに使えなくなります。新しいシークレットは一度だけ表示されます。",
         "The old secret stops working at once. The new one is shown only once."},
    [IDP_MSG_ADMIN_NEW_SECRET] = {"admin.new_secret", "新しいクライアントシークレット", "New client secret"},
    [IDP_MSG_ADMIN_NEW_SECRET_NOTE] =
        {"admin.new_secret_note", "この画面を閉じると二度と表示されません。安全な方法で連携先に渡してください。",
         "It is never shown again once you leave this page. Give it to the partner over a safe channel."},
    [IDP_MSG_ADMIN_DONE_APPROVED] = {"admin.done_approved", "承認しました。このサービスは公開中です。",
                                     "Approved: the service is live."},
    [IDP_MSG_ADMIN_DONE_ROTATED] = {"admin.done_rotated", "署名鍵をローテーションしました。",
                                    "The signing key was rotated."},
    [IDP_MSG_ADMIN_BACK_TO_CLIENTS] = {"admin.back_to_clients", "連携サービスの一覧へ", "Back to the relying parties"},
    [IDP_MSG_ADMIN_KEYS_TITLE] = {"admin.keys_title", "署名鍵", "Signing keys"},
    [IDP_MSG_ADMIN_COL_KID] = {"admin.col_kid", "鍵ID", "Key ID"},
    [IDP_MSG_ADMIN_COL_ALG] = {"admin.col_alg", "方式", "Algorithm"},
    [IDP_MSG_ADMIN_COL_CREATED] = {"admin.col_created", "作成", "Created"},
    [IDP_MSG_ADMIN_ROTATE_KEY] = {"admin.rotate_key", "今すぐローテーションする", "Rotate now"},
    [IDP_MSG_ADMIN_ROTATE_KEY_HINT] = {"admin.rotate_key_hint", "待機中の鍵が有効になり、新しい待機鍵が公開されます。",
                                       "The waiting (next) key becomes active, and a new next key is published."},
    [IDP_MSG_ADMIN_FORCE] = {"admin.force", "緊急時: 待機鍵の公開から間がなくてもローテーションする",
                             "Emergency: rotate even though the next key was published only recently"},
    [IDP_MSG_ADMIN_TOO_SOON] =
        {"admin.too_soon",
         "待機鍵の公開から十分な時間がたっていないため、ローテーションしませんでした。緊急時のみ強制してください。",
         "Not rotated: the next key was published too recently for relying parties to have it. Force it only in an "
         "emergency."},
    [IDP_MSG_ADMIN_AUDIT_TITLE] = {"admin.audit_title", "監査: 記録の改ざん検査", "Audit: tamper check"},
    [IDP_MSG_ADMIN_LEDGER] = {"admin.ledger", "同意の記録", "Consent ledger"},
    [IDP_MSG_ADMIN_ADMIN_LOG] = {"admin.admin_log", "管理操作の記録", "Admin log"},
    [IDP_MSG_ADMIN_CHAIN_OK] = {"admin.chain_ok", "改ざんはありません", "Intact"},
    [IDP_MSG_ADMIN_CHAIN_BAD] = {"admin.chain_bad", "改ざんが見つかりました", "Tampering found"},
    [IDP_MSG_ADMIN_ROWS] = {"admin.rows", "件数", "Rows"},
    [IDP_MSG_ADMIN_BAD_ROW] = {"admin.bad_row", "最初の問題の行", "First bad row"},
    [IDP_MSG_ADMIN_DENIED_HEADING] = {"admin.denied_heading", "管理画面を開けません",
                                      "You cannot open the administration pages"},
    [IDP_MSG_ADMIN_DENIED_CARD] =
        {"admin.denied_card",
         "管理画面は、マイナンバーカードでログインした管理者だけが使えます。カードでログインし直してください。",
         "The administration pages are for administrators signed in with their My Number card. Sign in again with your "
         "card."},
    [IDP_MSG_ADMIN_DENIED_ROLE] =
        {"admin.denied_role",
         "このアカウントには管理の権限がありません。必要な場合は、システム管理者に権限の付与を依頼してください。",
         "This account holds no administration role. If you need one, ask the system administrator to grant it."},
    [IDP_MSG_ADMIN_DENIED_FRESH] =
        {"admin.denied_fresh",
         "この操作の前に、カードでもう一度ログインしてください(最後のログインから時間がたっています)。",
         "Before this action, sign in with your card again (your last sign-in was a while ago)."},
    [IDP_MSG_ADMIN_SIGN_IN] = {"admin.sign_in", "カードでログインする", "Sign in with the card"},
    [IDP_MSG_PARTNER_TITLE] = {"partner.title", "連携先ポータル", "Partner portal"},
    [IDP_MSG_PARTNER_CLIENTS] = {"partner.clients", "あなたの組織の連携サービス", "Your organisation's services"},
    [IDP_MSG_PARTNER_NO_CLIENTS] = {"partner.no_clients", "まだ連携サービスがありません。下のボタンから登録できます。",
                                    "No service yet. Register one with the button below."},
    [IDP_MSG_PARTNER_REQUEST] = {"partner.request", "公開の承認を申請する", "Ask for approval to go live"},
    [IDP_MSG_PARTNER_REQUEST_HINT] =
        {"partner.request_hint",
         "市の担当者が確認して承認すると、すべての住民が同意のうえでログインできるようになります。",
         "The city reviews the service; once approved, every resident who consents can sign in."},
    [IDP_MSG_PARTNER_REQUESTED] = {"partner.requested", "承認を申請済みです。市の確認をお待ちください。",
                                   "Approval requested: the city is reviewing it."},
    [IDP_MSG_PARTNER_DONE_REQUESTED] = {"partner.done_requested", "承認を申請しました。", "Approval requested."},
    [IDP_MSG_PARTNER_DENIED_FRESH] =
        {"partner.denied_fresh", "この操作の前に、もう一度ログインしてください(最後のログインから時間がたっています)。",
         "Before this action, sign in again (your last sign-in was a while ago)."},
    [IDP_MSG_PARTNER_DENIED] =
        {"partner.denied",
         "このアカウントはどの連携先組織にも属していません。組織の担当者を通じて市に登録を依頼してください。",
         "This account acts for no partner organisation. Ask the city, through your organisation, to add you."},
    [IDP_MSG_ADMIN_REQUESTED_BY_PARTNER] = {"admin.requested_by_partner", "連携先から公開の承認申請が届いています。",
                                            "The partner has asked for approval to go live."},
    [IDP_MSG_STATS_HEADING] = {"stats.heading", "直近7日の利用状況", "The last 7 days"},
    [IDP_MSG_STATS_NOTE] =
        {"stats.note", "少ない件数は、住民一人ひとりの行動が分からないよう「<k」(k件未満)と表示します。",
         "Small counts read \"<k\" (fewer than k), so that no single resident's action can be read off them."},
    [IDP_MSG_STATS_DAY] = {"stats.day", "日付", "Day"},
    [IDP_MSG_STATS_SIGN_INS] = {"stats.sign_ins", "ログイン", "Sign-ins"},
    [IDP_MSG_STATS_CONSENTS] = {"stats.consents", "同意", "Consents"},
    [IDP_MSG_STATS_REFUSALS] = {"stats.refusals", "拒否", "Refusals"},
    [IDP_MSG_STATS_WITHDRAWALS] = {"stats.withdrawals", "撤回", "Withdrawals"},
    [IDP_MSG_STATS_STEP_UPS] = {"stats.step_ups", "カードへの切り替え", "Step-ups to the card"},
    [IDP_MSG_ERROR_LOCKED] =
        {"error.locked",
         "このアカウントは現在ご利用いただけません。お住まいの区の区役所の窓口、または市のお問い合わせ窓口にご相談くだ"
         "さい。",
         "This account cannot be used at the moment. Please contact your ward office or the city's help desk."},
    [IDP_MSG_ERROR_CONSOLE_HEADING] = {"error.console_heading", "この操作はできませんでした", "That could not be done"},
    [IDP_MSG_ERROR_CONSOLE_TEXT] = {"error.console_text", "画面を読み込み直してから、もう一度お試しください。",
                                    "Reload the page and try again."},
    [IDP_MSG_ERROR_BACK_TO_CONSOLE] = {"error.back_to_console", "管理画面に戻る", "Back to the administration pages"},
    [IDP_MSG_ERROR_BACK_TO_PARTNER] = {"error.back_to_partner", "連携先ポータルに戻る", "Back to the partner portal"},
    [IDP_MSG_ADMIN_NAV_RESIDENTS] = {"admin.nav_residents", "住民の照会", "Resident lookup"},
    [IDP_MSG_ADMIN_RESIDENTS_TITLE] = {"admin.residents_title", "住民の照会(ヘルプデスク)",
                                       "Resident lookup (help desk)"},
    [IDP_MSG_ADMIN_RESIDENTS_HINT] = {"admin.residents_hint",
                                      "連携サービスのクライアントIDと、そのサービスが住民を識別する値(sub)"
                                      "を入力してください。subは保存していないため、その都度計算して照合します。",
                                      "Enter the relying party's client ID and the value it knows the resident by "
                                      "(sub). The sub is not stored: it is computed and compared each time."},
    [IDP_MSG_ADMIN_SUB] = {"admin.sub", "連携サービスでの識別子(sub)", "The resident's sub at that service"},
    [IDP_MSG_ADMIN_LOOKUP] = {"admin.lookup", "照会する", "Look up"},
    [IDP_MSG_ADMIN_NOT_FOUND] = {"admin.not_found", "該当する住民は見つかりませんでした。", "No resident was found."},
    [IDP_MSG_ADMIN_COL_RESIDENT] = {"admin.col_resident", "住民ID", "Resident ID"},
    [IDP_MSG_ADMIN_COL_LOCKED] = {"admin.col_locked", "利用停止", "Locked"},
    [IDP_MSG_ADMIN_COL_WAYS] = {"admin.col_ways", "ログイン方法", "Ways to sign in"},
    [IDP_MSG_ADMIN_COL_SESSIONS] = {"admin.col_sessions", "ログイン中", "Live sessions"},
    [IDP_MSG_ADMIN_YES] = {"admin.yes", "はい", "yes"},
    [IDP_MSG_ADMIN_NO] = {"admin.no", "いいえ", "no"},
    [IDP_MSG_PARTNER_REGISTER_LINK] = {"partner.register_link", "新しい連携サービスを登録する",
                                       "Register a new service"},
    [IDP_MSG_PARTNER_REGISTER_TITLE] = {"partner.register_title", "連携サービスの登録", "Register a service"},
    [IDP_MSG_PARTNER_REGISTER_HINT] = {"partner.register_hint",
                                       "登録したサービスは、まずサンドボックス(テスト環境)"
                                       "に入ります。市が承認するまで、組織のテスト住民だけがログインできます。",
                                       "A new service starts in the sandbox: until the city approves it, only your "
                                       "organisation's test residents can sign in to it."},
    [IDP_MSG_PARTNER_FIELD_REDIRECTS] = {"partner.field_redirects", "リダイレクトURI(1行に1つ)",
                                         "Redirect URIs (one per line)"},
    [IDP_MSG_PARTNER_REDIRECTS_HINT] =
        {"partner.redirects_hint",
         "https のURIを1行に1つ書きます。開発中は http://127.0.0.1 のようなループバックのURIも使えます。",
         "One https URI per line. While you develop, a loopback URI such as http://127.0.0.1 works too."},
    [IDP_MSG_PARTNER_KIND] = {"partner.kind", "サービスの種類", "Kind of service"},
    [IDP_MSG_PARTNER_KIND_SERVER] = {"partner.kind_server", "サーバーで動くWebサービス(クライアントシークレットを使う)",
                                     "A web service with a server (it uses a client secret)"},
    [IDP_MSG_PARTNER_KIND_PUBLIC] = {"partner.kind_public",
                                     "ブラウザやスマートフォンで動くアプリ(シークレットなし、PKCEを使う)",
                                     "An app in a browser or on a phone (no secret; it uses PKCE)"},
    [IDP_MSG_PARTNER_REGISTER_SUBMIT] = {"partner.register_submit", "登録する", "Register"},
    [IDP_MSG_PARTNER_DONE_REGISTERED] = {"partner.done_registered", "登録しました。サンドボックスでテストできます。",
                                         "Registered. Test it in the sandbox."},
    [IDP_MSG_PARTNER_REFUSED] = {"partner.refused",
                                 "保存できませんでした。内容を直して、もう一度送信してください。理由:",
                                 "Not saved. Correct it and send it again. Why:"},
    [IDP_MSG_PARTNER_SAVE_REDIRECTS] = {"partner.save_redirects", "リダイレクトURIを保存する",
                                        "Save the redirect URIs"},
    [IDP_MSG_PARTNER_SAVE_REDIRECTS_HINT] =
        {"partner.save_redirects_hint",
         "保存すると、すぐにこのURIだけが使えるようになります。公開中のサービスでも同じです。",
         "Once saved, only these URIs work, at once; for a live service too."},
    [IDP_MSG_PARTNER_DONE_SAVED] = {"partner.done_saved", "保存しました。", "Saved."},
    [IDP_MSG_PARTNER_TEST_LINK] = {"partner.test_link", "テスト住民を管理する", "Manage test residents"},
    [IDP_MSG_PARTNER_TEST_TITLE] = {"partner.test_title", "サンドボックスのテスト住民", "The sandbox's test residents"},
    [IDP_MSG_PARTNER_TEST_HINT] = {"partner.test_hint",
                                   "サンドボックスのサービスには、テスト住民だけがログインできます。テスト住民にできる"
                                   "のは、市が登録した組織のメンバーだけです。",
                                   "Only test residents can sign in to your services in the sandbox. You can make your "
                                   "organisation's members (whom the city named) test residents."},
    [IDP_MSG_PARTNER_COL_TEST] = {"partner.col_test", "テスト住民", "Test resident"},
    [IDP_MSG_PARTNER_COL_MEMBER] = {"partner.col_member", "組織のメンバー", "Member"},
    [IDP_MSG_PARTNER_YOU] = {"partner.you", "(あなた)", "(you)"},
    [IDP_MSG_PARTNER_ADD_TEST] = {"partner.add_test", "テスト住民にする", "Make a test resident"},
    [IDP_MSG_PARTNER_REMOVE_TEST] = {"partner.remove_test", "テスト住民から外す", "Remove from the test residents"},
    [IDP_MSG_PARTNER_DONE_TEST_ADDED] = {"partner.done_test_added", "テスト住民にしました。", "Made a test resident."},
    [IDP_MSG_PARTNER_DONE_TEST_REMOVED] = {"partner.done_test_removed", "テスト住民から外しました。",
                                           "Removed from the test residents."},
    [IDP_MSG_ADMIN_SCHEDULE_HEADING] = {"admin.schedule_heading", "定期ローテーション", "Scheduled rotation"},
    [IDP_MSG_ADMIN_SCHEDULE_NONE] = {"admin.schedule_none", "定期ローテーションは設定されていません。",
                                     "No rotation is scheduled."},
    [IDP_MSG_ADMIN_COL_EVERY] = {"admin.col_every", "間隔(日)", "Every (days)"},
    [IDP_MSG_ADMIN_COL_NEXT] = {"admin.col_next", "次回", "Next"},
    [IDP_MSG_ADMIN_COL_SET_BY] = {"admin.col_set_by", "設定者", "Set by"},
    [IDP_MSG_ADMIN_SCHEDULE_HINT] = {"admin.schedule_hint",
                                     "指定した間隔ごとに、期限が来た時点でいずれかのサーバーが1段階ローテーションします"
                                     "。間隔は待機鍵の公開期間より短くできません。",
                                     "Every so many days, whichever server finds it due makes one rotation step. The "
                                     "interval cannot be shorter than the next key's publication time."},
    [IDP_MSG_ADMIN_SCHEDULE_SET] = {"admin.schedule_set", "定期ローテーションを設定する", "Set the schedule"},
    [IDP_MSG_ADMIN_SCHEDULE_CANCEL] = {"admin.schedule_cancel", "取り消す", "Cancel it"},
    [IDP_MSG_ADMIN_DONE_SCHEDULED] = {"admin.done_scheduled", "定期ローテーションを設定しました。",
                                      "The rotation is scheduled."},
    [IDP_MSG_ADMIN_DONE_UNSCHEDULED] = {"admin.done_unscheduled", "定期ローテーションを取り消しました。",
                                        "The schedule is cancelled."},
    [IDP_MSG_ADMIN_SCHEDULE_BAD] =
        {"admin.schedule_bad", "設定できませんでした。間隔は1〜366日で、待機鍵の公開期間以上にしてください。",
         "Not set: the interval is 1 to 366 days, and no shorter than the next key's publication time."},
    [IDP_MSG_ADMIN_DONE_LOCKED] =
        {"admin.done_locked",
         "ロックしました。この住民はログインできず、セッションと発行済みトークンは無効になりました。",
         "Locked: the resident cannot sign in, and their sessions and tokens have ended."},
    [IDP_MSG_ADMIN_DONE_UNLOCKED] = {"admin.done_unlocked", "ロックを解除しました。この住民は再びログインできます。",
                                     "Unlocked: the resident can sign in again."},
    [IDP_MSG_ADMIN_DONE_ENDED] = {"admin.done_ended", "この住民のセッションをすべて終了しました。",
                                  "Every session of the resident has ended."},
    [IDP_MSG_ADMIN_REASON] = {"admin.reason", "理由(記録に残ります)", "Reason (it is recorded)"},
    [IDP_MSG_ADMIN_LOCK] = {"admin.lock", "ロックする", "Lock"},
    [IDP_MSG_ADMIN_UNLOCK] = {"admin.unlock", "ロックを解除する", "Unlock"},
    [IDP_MSG_ADMIN_END_SESSIONS] = {"admin.end_sessions", "セッションを終了する", "End sessions"},
    [IDP_MSG_ADMIN_NAV_UPSTREAMS] = {"admin.nav_upstreams", "外部ログイン", "Upstreams"},
    [IDP_MSG_ADMIN_UPSTREAMS_TITLE] = {"admin.upstreams_title", "外部のログイン手段(ソーシャルとカードの窓口)",
                                       "Upstream providers (social and card channels)"},
    [IDP_MSG_ADMIN_UPSTREAMS_NONE] = {"admin.upstreams_none", "外部のログイン手段は登録されていません。",
                                      "No upstream provider is registered."},
    [IDP_MSG_ADMIN_UPSTREAMS_HINT] = {"admin.upstreams_hint",
                                      "無効にすると、ログイン画面に表示されなくなります。追加や変更は管理APIまたは "
                                      "sakaid-admin upstream で行います。",
                                      "A disabled provider is not offered on the sign-in page. Add or change providers "
                                      "with the admin API or sakaid-admin upstream."},
    [IDP_MSG_ADMIN_COL_KIND] = {"admin.col_kind", "種類", "Kind"},
    [IDP_MSG_ADMIN_COL_ISSUER] = {"admin.col_issuer", "発行者", "Issuer"},
    [IDP_MSG_ADMIN_COL_ENABLED] = {"admin.col_enabled", "有効", "Enabled"},
    [IDP_MSG_ADMIN_ENABLE] = {"admin.enable", "有効にする", "Enable"},
    [IDP_MSG_ADMIN_DISABLE] = {"admin.disable", "無効にする", "Disable"},
    [IDP_MSG_ADMIN_DONE_UPSTREAM] = {"admin.done_upstream", "変更しました。", "Changed."},
    [IDP_MSG_ADMIN_AUDIT_SEARCH] = {"admin.audit_search", "監査イベントの検索", "Search the audit events"},
    [IDP_MSG_ADMIN_AUDIT_HINT] = {"admin.audit_hint",
                                  "イベント名や住民IDで絞り込めます。新しいものから最大50件を表示します。",
                                  "Filter by event name or resident id. The newest 50 are shown."},
    [IDP_MSG_ADMIN_COL_EVENT] = {"admin.col_event", "イベント", "Event"},
    [IDP_MSG_ADMIN_COL_TIME] = {"admin.col_time", "日時(UTC)", "Time (UTC)"},
    [IDP_MSG_ADMIN_COL_DETAIL] = {"admin.col_detail", "内容", "Detail"},
    [IDP_MSG_ADMIN_SEARCH] = {"admin.search", "検索する", "Search"},
    [IDP_MSG_PARTNER_COL_ACTION] = {"partner.col_action", "操作", "Action"},
    [IDP_MSG_PARTNER_BACK] = {"partner.back", "ポータルのトップに戻る", "Back to the portal"},
    [IDP_MSG_OUTREACH_HEADING] = {"outreach.heading", "市からのお知らせ", "Notices from the city"},
    [IDP_MSG_OUTREACH_HINT] =
        {"outreach.hint",
         "市からお知らせを受け取る分野を選べます。最初はすべてオフです。オンにした分野だけ、その分野が使う情報でお知ら"
         "せの対象を選び、市のポータルがお知らせを届けます。いつでもオフにできます。",
         "Choose which kinds of notices the city may send you. All are off until you turn them on. Only for a kind "
         "that is on does the city select recipients, by the information listed under it; the city portal delivers the "
         "notice. You can turn any of them off at any time."},
    [IDP_MSG_OUTREACH_USES] = {"outreach.uses", "使う情報:", "Uses:"},
    [IDP_MSG_OUTREACH_STATE_ON] = {"outreach.state_on", "受け取る(オン)", "On"},
    [IDP_MSG_OUTREACH_STATE_OFF] = {"outreach.state_off", "受け取らない(オフ)", "Off"},
    [IDP_MSG_OUTREACH_TURN_ON] = {"outreach.turn_on", "オンにする", "Turn on"},
    [IDP_MSG_OUTREACH_TURN_OFF] = {"outreach.turn_off", "オフにする", "Turn off"},
    [IDP_MSG_OUTREACH_INCLUDED_HEADING] = {"outreach.included_heading", "あなたが対象になったお知らせ",
                                           "Notices you were included in"},
    [IDP_MSG_OUTREACH_INCLUDED_NONE] = {"outreach.included_none", "まだありません。", "None yet."},
    [IDP_MSG_OUTREACH_MATCHED] = {"outreach.matched", "一致した情報:", "Matched on:"},
    [IDP_MSG_OUTREACH_EVERYONE] = {"outreach.everyone", "この分野をオンにした全員", "everyone who turned this on"},
    [IDP_MSG_OUTREACH_RELEASED] = {"outreach.released", "市のポータルに渡しました", "passed to the city portal"},
    [IDP_MSG_OUTREACH_PENDING] = {"outreach.pending", "市のポータルへの受け渡し前(オフにすると対象から外れます)",
                                  "not yet passed to the city portal (turning it off takes you out)"},
    [IDP_MSG_ACCOUNT_NOTICE_OUTREACH_ON] = {"account.notice_outreach_on", "お知らせの受け取りをオンにしました。",
                                            "Turned on."},
    [IDP_MSG_ACCOUNT_NOTICE_OUTREACH_OFF] = {"account.notice_outreach_off",
                                             "オフにしました。これからは、この分野のお知らせの対象になりません。",
                                             "Turned off. From now on you are not included in this kind of notice."},
    [IDP_MSG_OUTREACH_HEALTH_NAME] = {"outreach.health.name", "健診・がん検診", "Health checks and cancer screening"},
    [IDP_MSG_OUTREACH_HEALTH_PURPOSE] =
        {"outreach.health.purpose", "年齢や性別に応じた健康診査・がん検診の受診をご案内します。",
         "Reminders of the health checks and cancer screenings for your age and gender."},
    [IDP_MSG_OUTREACH_CHILDREARING_NAME] = {"outreach.childrearing.name", "子育て", "Child-rearing"},
    [IDP_MSG_OUTREACH_CHILDREARING_PURPOSE] =
        {"outreach.childrearing.purpose", "お子さまの年齢や校区に合わせた子育ての情報をお届けします。",
         "Child-rearing news matched to your children's ages and your school district."},
    [IDP_MSG_OUTREACH_ENERGY_NAME] = {"outreach.energy.name", "省エネ", "Energy saving"},
    [IDP_MSG_OUTREACH_ENERGY_PURPOSE] = {"outreach.energy.purpose",
                                         "お住まいの区で行う省エネルギーのキャンペーンをご案内します。",
                                         "Energy-saving campaigns in your ward."},
    [IDP_MSG_OUTREACH_FOSTER_NAME] = {"outreach.foster.name", "里親制度", "Foster parenting"},
    [IDP_MSG_OUTREACH_FOSTER_PURPOSE] = {"outreach.foster.purpose", "里親制度の説明会や相談会をご案内します。",
                                         "Information sessions about becoming a foster parent."},
    [IDP_MSG_OUTREACH_DISASTER_NAME] = {"outreach.disaster.name", "防災", "Disaster preparedness"},
    [IDP_MSG_OUTREACH_DISASTER_PURPOSE] = {"outreach.disaster.purpose",
                                           "お住まいの区の防災訓練や避難の情報をお知らせします。",
                                           "Drills and evacuation information for your ward."},
    [IDP_MSG_OUTREACH_ATTR_AGE] = {"outreach.attr.age", "年齢(確認済みの生年月から)",
                                   "age (from your verified month of birth)"},
    [IDP_MSG_OUTREACH_ATTR_GENDER] = {"outreach.attr.gender", "性別(マイナンバーカードの情報)",
                                      "gender (from your My Number card)"},
    [IDP_MSG_OUTREACH_ATTR_WARD] = {"outreach.attr.ward", "お住まいの区", "the ward you live in"},
    [IDP_MSG_OUTREACH_ATTR_RESIDENT] = {"outreach.attr.resident", "堺市にお住まいかどうか",
                                        "whether you live in Sakai"},
    [IDP_MSG_OUTREACH_ATTR_SCHOOL_DISTRICT] = {"outreach.attr.school_district", "校区(世帯の情報)",
                                               "school district (household information)"},
    [IDP_MSG_OUTREACH_ATTR_CHILD_AGE] = {"outreach.attr.child_age", "お子さまの年齢(世帯の情報の生年月から)",
                                         "children's ages (from the household information)"},
    [IDP_MSG_ADMIN_NAV_OUTREACH] = {"admin.nav_outreach", "お知らせの対象", "Outreach"},
    [IDP_MSG_ADMIN_OUTREACH_TITLE] = {"admin.outreach_title", "お知らせの対象", "Outreach"},
    [IDP_MSG_ADMIN_OUTREACH_HINT] =
        {"admin.outreach_hint",
         "分野と条件で対象を定義し、人数を確かめてから送ります。人数は10人単位に丸め、k人未満は「<"
         "k」と表示し、送れません。送ると、その時点の対象者が固定され、市のポータルが届けます。",
         "Define a segment by category and criteria, check its size, then send it. Sizes are rounded to 10; a size "
         "under k reads \"<k\" and cannot be sent. A send fixes the members at that moment, and the city portal "
         "delivers the notice."},
    [IDP_MSG_ADMIN_OUTREACH_DEFINE] = {"admin.outreach_define", "対象を定義する", "Define a segment"},
    [IDP_MSG_ADMIN_OUTREACH_NAME] = {"admin.outreach_name", "名前", "Name"},
    [IDP_MSG_ADMIN_OUTREACH_CATEGORY] = {"admin.outreach_category", "分野", "Category"},
    [IDP_MSG_ADMIN_OUTREACH_CRITERIA] = {"admin.outreach_criteria", "条件", "Criteria"},
    [IDP_MSG_ADMIN_OUTREACH_CRITERIA_HINT] = {"admin.outreach_criteria_hint",
                                              "例: gender = male and child_age = 3 and ward = "
                                              "南区。使える情報は分野ごとに決まっています(docs/outreach.md)。",
                                              "For example: gender = male and child_age = 3 and ward = minami. Each "
                                              "category allows its own attributes (docs/outreach.md)."},
    [IDP_MSG_ADMIN_OUTREACH_SPONSOR] = {"admin.outreach_sponsor", "協力事業者のクライアントID(任意)",
                                        "A partner's client ID (optional)"},
    [IDP_MSG_ADMIN_OUTREACH_DEFINE_BUTTON] = {"admin.outreach_define_button", "定義して人数を見る", "Define and count"},
    [IDP_MSG_ADMIN_OUTREACH_SEGMENTS] = {"admin.outreach_segments", "最近の対象", "Recent segments"},
    [IDP_MSG_ADMIN_OUTREACH_SIZE] = {"admin.outreach_size", "人数", "Size"},
    [IDP_MSG_ADMIN_OUTREACH_COUNT] = {"admin.outreach_count", "人数を見る", "Count"},
    [IDP_MSG_ADMIN_OUTREACH_SEND] = {"admin.outreach_send", "送る", "Send"},
    [IDP_MSG_ADMIN_OUTREACH_CAMPAIGNS] = {"admin.outreach_campaigns", "送ったお知らせ", "Campaigns sent"},
    [IDP_MSG_ADMIN_OUTREACH_FETCHED] = {"admin.outreach_fetched", "ポータルへ渡した数", "Passed to the portal"},
    [IDP_MSG_ADMIN_OUTREACH_NONE] = {"admin.outreach_none", "まだありません。", "None yet."},
    [IDP_MSG_ADMIN_OUTREACH_UNDER_K] = {"admin.outreach_under_k", "k人未満の対象は送れません。",
                                        "A segment under k cannot be sent."},
    [IDP_MSG_ADMIN_OUTREACH_DIFFERENCING] =
        {"admin.outreach_differencing",
         "最近の対象との違いがk人未満のため受け付けられません(差分から個人が分からないようにするため)。",
         "Refused: it differs from a recent segment by fewer than k residents, which could single them out."},
    [IDP_MSG_ADMIN_OUTREACH_BAD] = {"admin.outreach_bad", "入力を確かめてください。", "Check what you entered."},
    [IDP_MSG_ADMIN_DONE_DEFINED] = {"admin.done_defined", "定義しました。人数を確かめてから送ってください。",
                                    "Defined. Check its size, then send it."},
    [IDP_MSG_ADMIN_DONE_SENT] = {"admin.done_sent", "送りました。市のポータルがお知らせを届けます。",
                                 "Sent. The city portal delivers the notice."},
};

bool idp_msg_lang_en(const char *lang)
{
    return lang != NULL && !strncmp(lang, "en", 2);
}

const char *idp_msg_get(idp_msg_id_t id, const char *lang)
{
    /* an id out of range, or a hole in the table, is a bug: say something true rather than nothing */
    const message_t *m =
        (unsigned)id < IDP_MSG_COUNT && messages[id].key ? &messages[id] : &messages[IDP_MSG_CARD_MALFORMED];
    return idp_msg_lang_en(lang) ? m->en : m->ja;
}

const char *idp_msg_key(idp_msg_id_t id)
{
    return (unsigned)id < IDP_MSG_COUNT ? messages[id].key : NULL;
}

/* The id with key @p key, or IDP_MSG_COUNT. */
static idp_msg_id_t find(const char *key)
{
    for (unsigned i = 0; i < IDP_MSG_COUNT; i++)
        if (messages[i].key && !strcmp(messages[i].key, key))
            return (idp_msg_id_t)i;
    return IDP_MSG_COUNT;
}

const char *idp_msg(const char *key, const char *lang)
{
    return idp_msg_get(key ? find(key) : IDP_MSG_COUNT, lang);
}

const char *idp_msg_claim(const char *claim, const char *lang)
{
    static const char prefix[] = "claim.";
    char key[64];
    size_t n = claim ? strlen(claim) : sizeof(key);
    if (n + sizeof(prefix) > sizeof(key))
        return NULL;
    memcpy(key, prefix, sizeof(prefix) - 1);
    memcpy(key + sizeof(prefix) - 1, claim, n + 1);
    idp_msg_id_t id = find(key);
    return id == IDP_MSG_COUNT ? NULL : idp_msg_get(id, lang);
}

bool idp_msg_is_text(const char *text)
{
    for (size_t i = 0; text && i < IDP_MSG_COUNT; i++)
        if (messages[i].ja == text || messages[i].en == text)
            return true;
    return false;
}
