// Runs the npm akismet-api client (6.0.0) against a live Saring server: checks 13-19 of the
// Akismet reference's section 10. Driven by tests/akismet/test_akismet_node.py.
//
// Environment: SARING_PORT (server on 127.0.0.1), K1 (valid key), KX (unknown key), BLOG.
// Prints one JSON object: {results: {name: value|{error}}, responses: [{url, status, contentType}]}.
'use strict'

const dns = require('dns')
const http = require('http')

// The client sends comment-check to http://<key>.localhost:PORT: resolve *.localhost (and
// localhost itself) to 127.0.0.1 in this process only.
const realLookup = dns.lookup
dns.lookup = function lookup (hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    const all = typeof options === 'object' && options && options.all
    return process.nextTick(() => all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4))
  }
  return realLookup.call(dns, hostname, options, callback)
}

// Record every response's status and Content-Type (the client hides them for checkSpam/verifyKey).
const responses = []
const realRequest = http.request
http.request = function request (...args) {
  const req = realRequest.apply(http, args)
  req.on('response', res => {
    responses.push({ host: req.host, path: req.path, status: res.statusCode, contentType: res.headers['content-type'] || null })
  })
  return req
}

const { AkismetClient } = require('akismet-api')

const port = process.env.SARING_PORT
const blog = process.env.BLOG
const host = `localhost:${port}`
// A fresh third octet per run: identical comments from one IP within 10 s score higher.
const net = process.env.NET || '113'

async function attempt (fn) {
  try {
    const value = await fn()
    if (value && typeof value === 'object' && 'status' in value) {
      return { status: value.status, text: value.text }
    }
    return value
  } catch (err) {
    return { error: err.message }
  }
}

async function main () {
  const k1 = new AkismetClient({ key: process.env.K1, blog, host, protocol: 'http' })
  const kx = new AkismetClient({ key: process.env.KX, blog, host, protocol: 'http' })
  const ham = {
    ip: `203.0.${net}.90`,
    useragent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    // each run its own text: the same text from several IPs within the hour is a flood (issue 10)
    content: `Thanks for the clear explanation, the second example finally made it click for me (run ${net}).`
  }
  const results = {}
  results.verify_k1 = await attempt(() => k1.verifyKey())
  results.verify_kx = await attempt(() => kx.verifyKey())
  results.check_ham = await attempt(() => k1.checkSpam(ham))
  results.check_spam_author = await attempt(() => k1.checkSpam({ name: 'akismet-guaranteed-spam', ip: `203.0.${net}.91` }))
  results.check_kx = await attempt(() => kx.checkSpam(ham))
  results.check_honeypot = await attempt(() => k1.checkSpam({ ...ham, ip: `203.0.${net}.92`, honeypot_field_name: 'hp', hp: 'x' }))
  results.check_webmention = await attempt(() => k1.checkSpam({
    ip: `203.0.${net}.93`, useragent: 'Bridgy (https://brid.gy/about)', type: 'webmention', content: 'Liked this post',
    name: 'Ann Example', url: 'https://mastodon.example/@ann'
  }))
  results.submit_spam = await attempt(() => k1.submitSpam({ ip: `198.51.${net}.94`, content: 'Cheap pills at pharmacy-deals.example' }))
  results.submit_ham = await attempt(() => k1.submitHam(ham))
  process.stdout.write(JSON.stringify({ results, responses }) + '\n')
}

main().catch(err => {
  process.stderr.write(String(err && err.stack) + '\n')
  process.exit(1)
})
