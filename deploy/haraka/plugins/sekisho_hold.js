// sekisho_hold: holds the messages Sekisho sends to the sandbox (clamd names beginning
// "Heuristics."). Haraka has no hold queue of its own: the message is accepted (250) and
// written to hold_dir (config/sekisho_hold.ini; default /var/spool/haraka/hold), never
// passed on. An admin reviews it there and re-injects it or deletes it.
//
// The clamd plugin (listed before this one in config/plugins) has let these names through
// because config/clamd.excludes matches them; Sekisho.* names it has already rejected.
'use strict'

const fs = require('node:fs')
const path = require('node:path')

const HOLD_RE = /^Heuristics\./

exports.register = function () {
  this.cfg = this.config.get('sekisho_hold.ini', () => this.register())
  this.hold_dir = this.cfg.main?.hold_dir || '/var/spool/haraka/hold'
  this.register_hook('data_post', 'sekisho_decide')
  this.register_hook('queue', 'sekisho_queue')
}

exports.sekisho_decide = function (next, connection) {
  const txn = connection.transaction
  if (!txn) return next()
  const r = txn.results.get('clamd')
  const names = (r && r.fail) || []
  const held = names.filter((n) => HOLD_RE.test(n))
  if (held.length) {
    txn.notes.sekisho_hold = held.join(' ')
    txn.add_header('X-Sekisho-Held', held.join(' '))
    connection.loginfo(this, `holding: ${held.join(' ')}`)
  }
  next()
}

exports.sekisho_queue = function (next, connection) {
  const txn = connection.transaction
  if (!txn || !txn.notes.sekisho_hold) return next()
  const name = `${Date.now()}-${txn.uuid}.eml`
  const tmp = path.join(this.hold_dir, `.${name}`)
  fs.mkdir(this.hold_dir, { recursive: true, mode: 0o750 }, (mkErr) => {
    if (mkErr) return next(DENYSOFT, 'Cannot hold the message now')
    const out = fs.createWriteStream(tmp, { mode: 0o640 })
    out.on('error', () => next(DENYSOFT, 'Cannot hold the message now'))
    out.on('finish', () => {
      fs.rename(tmp, path.join(this.hold_dir, name), (err) => {
        if (err) return next(DENYSOFT, 'Cannot hold the message now')
        connection.loginfo(this, `held in ${path.join(this.hold_dir, name)}`)
        next(OK, `Held for review (${txn.notes.sekisho_hold})`)
      })
    })
    txn.message_stream.pipe(out)
  })
}
