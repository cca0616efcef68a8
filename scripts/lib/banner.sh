# The dev runner's banner (scripts/run). Source it; do not run it.
# shellcheck shell=bash
#
# sakaid_banner ISSUER DEMO_FILE DEMO_URL DATA_DIR CARD_LOGIN DATABASE [METRICS]
# Prints where things are. The demo client's secret stays in DEMO_FILE (mode
# 0600): a banner ends up in terminal scrollback, screen shares and CI logs,
# so it names the file and never prints the secret (issue #14 item 14).
sakaid_banner() {
    local issuer=$1 demo=$2 demo_url=$3 data=$4 card=$5 database=$6 metrics=${7:-off} client_id root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    client_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_id"])' "$demo")
    cat <<BANNER

  SakaI-D is running.

  issuer         $issuer
  discovery      $issuer/.well-known/openid-configuration
  demo client    client_id $client_id
                 its client_secret is in $demo (readable by you only)
  demo app       $demo_url
  data           $data
  card login     $card
  database       $database
  metrics        $metrics

  Open $demo_url and sign in; on the login page press "テストカードで署名"
  (sign with test card), or sign the QR code's link with
  build/bin/sakaid-card sign --card sakai-taro 'LINK'.
  Manage it while this runs (sakaid-admin finds the database through
  $data/database.url; from $root with the default data
  directory, build/bin/sakaid-admin client list is enough):
    SAKAID_DATA_DIR=$data $root/build/bin/sakaid-admin client list
  Machine to machine (the secret from $demo):
    curl -u "$client_id:\$(python3 -c 'import json; print(json.load(open("$demo"))["client_secret"])')" \\
      -d grant_type=client_credentials $issuer/token
  Press Ctrl-C to stop.

BANNER
}
