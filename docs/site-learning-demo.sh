#!/usr/bin/env bash
# Site learning, as a site sees it (issue 10): run against a Saring started with `./dev serve`.
#   export SARING_HOME=<the server's> PATH="$PWD/.venv/bin:$PATH"      # the script calls `saring`
#   KEY=<site key> TOKEN=<admin API token> SITE_ID=<id> [BASE=http://127.0.0.1:8000] docs/site-learning-demo.sh
# KEY: `saring keys create --site https://news.example` (it prints the key and "(id N)" of the site:
# SITE_ID); TOKEN: `saring users create --email a@news.example --role admin`, then
# `saring users token --email a@news.example` (last line). Use a fresh site: the script changes its settings.
# The site's hold threshold is lowered to 0.0001 first so that every ordinary comment is held by
# its score and only the site's own history can accept it (restored at the end).
set -euo pipefail
HDR="$(mktemp)"; trap 'rm -f "$HDR"' EXIT
BASE="${BASE:-http://127.0.0.1:8000}"
BLOG="${BLOG:-https://news.example}"
j() { curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$BASE/api/v1/comments" -d "$1"; }
short() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({k: d[k] for k in ("id","decision","shadow","would_be","spam_score") if k in d} | {"reasons": d.get("reasons", [])[:2]}, ensure_ascii=False))'; }
ak() { local ep=$1; shift; curl -s -D $HDR "$BASE/1.1/$ep" --data-urlencode "api_key=$KEY" --data-urlencode "blog=$BLOG" "$@"; echo "   (guid $(grep -i x-akismet-guid $HDR | tr -d '\r' | cut -d' ' -f2))"; }
why() { curl -s -H "Authorization: Bearer $KEY" "$BASE/api/v1/comments/$(grep -i x-akismet-guid $HDR | tr -d '\r' | cut -d' ' -f2)" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("   stored:", d["decision"], "| reasons:", d["reasons"][:2])'; }
approve() { curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$BASE/api/v1/queue/actions" -d "{\"action\": \"approve\", \"ids\": [\"$1\"]}" >/dev/null; }
admin() { curl -s -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$BASE/api/v1/admin/sites/$SITE_ID/$2" ${3:+-d "$3"}; echo; }

echo "== 1. a reader approved twice is accepted on the third comment (site hold threshold 0.0001)"
saring sites thresholds --site "$BLOG" --hold 0.0001 --reject 0.9999 >/dev/null
for i in 1 2; do
  out=$(j "{\"content\": \"Terima kasih infonya, semoga jalan di depan pasar segera diperbaiki ($i).\", \"author\": \"Rina\", \"author_email\": \"rina@example.com\", \"user_ip\": \"8.8.8.10\"}")
  echo "$out" | short; approve "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"; echo "   approved by a moderator"
done
j '{"content": "Setuju, trotoar di sana juga perlu diperbaiki.", "author": "Rina", "author_email": "rina@example.com", "user_ip": "8.8.8.10"}' | short

echo "== 2. submit-ham, then the same check answers false"
F=(--data-urlencode "user_ip=8.8.8.20" --data-urlencode "comment_author=Budi" --data-urlencode "comment_author_email=budi@example.com" --data-urlencode "comment_content=Mohon info jadwal vaksin di puskesmas kecamatan minggu ini.")
echo -n "comment-check: "; ak comment-check "${F[@]}"
G=$(grep -i x-akismet-guid $HDR | tr -d '\r' | cut -d' ' -f2)
echo -n "submit-ham:    "; ak submit-ham "${F[@]}" --data-urlencode "guid=$G"
echo -n "comment-check: "; ak comment-check "${F[@]}"; why
saring sites thresholds --site "$BLOG" --model-default >/dev/null

echo "== 3. a spam domain reported three times: the fourth comment, from a new IP, is held"
for i in 1 2 3; do
  echo -n "submit-spam:   "; ak submit-spam --data-urlencode "user_ip=8.8.4.$i" --data-urlencode "comment_author=Bot $i" --data-urlencode "comment_content=Best prices $i at https://pharma-deals.example/offer$i today"
done
echo -n "comment-check: "; ak comment-check --data-urlencode "user_ip=9.9.9.9" --data-urlencode "comment_author=Someone new" --data-urlencode "comment_content=I found this useful: https://www.pharma-deals.example/info"
why

echo "== 4. a block-list hit"
admin POST lists '{"kind": "domain", "value": "casino.example", "action": "reject", "note": "demo"}'
j '{"content": "Nice article. More at http://promo.casino.example/x", "user_ip": "8.8.8.30"}' | short

echo "== 5. shadow mode: accept, with the would-be reject"
admin PATCH learning '{"shadow_mode": true}' | python3 -c 'import json,sys; d=json.load(sys.stdin); print("shadow_mode:", d["shadow_mode"])'
j '{"content": "Daftar sekarang http://casino.example", "user_ip": "8.8.8.40"}' | short
echo -n "Akismet comment-check: "; ak comment-check --data-urlencode "user_ip=8.8.8.41" --data-urlencode "comment_content=Daftar sekarang http://casino.example"; why
curl -s "$BASE/metrics" | grep '^saring_shadow_decisions_total'
admin PATCH learning '{"shadow_mode": false}' >/dev/null
