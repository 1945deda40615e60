// A real Bluesky PDS (in-memory PLC directory + SQLite-backed PDS) for the broadcaster's tests.
//
// Everything listens on 127.0.0.1 only; the PDS's own outward services (app view, moderation,
// crawlers, mail) point at nothing. Prints ONE JSON line with the PDS URL and two accounts, then
// stays up until stdin closes or it gets SIGTERM/SIGINT. Started by tests/support/pds_fixture.py.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import process from 'node:process'

import devEnv from '@atproto/dev-env'

// The dev-env servers call listen(port) with no host, which would bind every interface.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1')
  }
  return listen.apply(this, args)
}

// The PDS keeps its SQLite files and blobs under os.tmpdir(): give it a directory of its own,
// removed when it stops.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'outcry-pds-'))
process.env.TMPDIR = scratch

const { TestNetworkNoAppView } = devEnv

// OUTCRY_PDS_RATE_LIMITS=1: the PDS's own rate limits, as bsky.social runs them (writes 5,000
// points an hour per account, a create 3, a put 2), counted in Redis so a test can end a window.
const rateLimits =
  process.env.OUTCRY_PDS_RATE_LIMITS === '1'
    ? {
        rateLimitsEnabled: true,
        redisScratchAddress: process.env.OUTCRY_PDS_REDIS_ADDRESS || '127.0.0.1:6379',
      }
    : {}

const network = await TestNetworkNoAppView.create({
  pds: {
    ...rateLimits,
    // Outward services at addresses that never resolve (.invalid); no crawlers, no SMTP.
    bskyAppViewUrl: 'https://appview.invalid',
    bskyAppViewDid: 'did:web:appview.invalid',
    modServiceUrl: 'https://moderation.invalid',
    modServiceDid: 'did:web:moderation.invalid',
    crawlers: [],
    emailSmtpUrl: undefined,
  },
})

async function account(name) {
  const agent = network.pds.getClient()
  const password = `${name}-password-0123456789`
  const handle = `${name}.test`
  const { data } = await agent.createAccount({ email: `${name}@outcry.invalid`, handle, password })
  // The broadcaster logs in with an app password, as it would on bsky.social.
  const app = await agent.com.atproto.server.createAppPassword({ name: 'outcry-tests' })
  return { handle, did: data.did, password, app_password: app.data.password }
}

const broadcaster = await account('outcry')
const company = await account('acme-widgets')

process.stdout.write(
  JSON.stringify({
    pds_url: network.pds.url,
    plc_url: network.plc.url,
    broadcaster,
    company,
  }) + '\n',
)

let closing = false
async function stop() {
  if (closing) return
  closing = true
  await network.close()
  fs.rmSync(scratch, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()
