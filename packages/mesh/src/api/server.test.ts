import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import { base64Encode } from '@welkin/data'
import { signingPayload, stateFromWall, userSoul } from '@welkin/graph'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MeshApiClient } from '../client.js'
import { MeshApiError } from '../errors.js'
import { readKeyFile, writeKeyFile } from '../key-file.js'
import { createMeshNode, type MeshNode } from '../node.js'
import { type MeshApi, startMeshApi } from './server.js'

const dir = mkdtempSync(join(tmpdir(), 'welkin-mesh-api-'))
let node: MeshNode
let api: MeshApi
let client: MeshApiClient

beforeAll(async () => {
  node = createMeshNode({ listen: ['/ip4/127.0.0.1/tcp/0'], syncIntervalMs: 0 })
  await node.start()
  api = await startMeshApi(node, { port: 0, maxBodyBytes: 4096 })
  client = new MeshApiClient(api.url)
})

afterAll(async () => {
  await api.close()
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function call(method: string, path: string, body?: string) {
  const res = await fetch(api.url + path, { method, body, headers: { 'content-type': 'application/json' } })
  return { status: res.status, json: JSON.parse(await res.text()) }
}

describe('mesh HTTP API', () => {
  it('reports the node', async () => {
    const info = await client.info()
    expect(info.peerId).toBe(node.peerId.toString())
    expect(info.multiaddrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    expect(info.peers).toEqual([])
    const diag = await call('GET', '/v1/diagnostics')
    expect(diag.json).toMatchObject({ peerId: info.peerId, dht: { mode: 'server' }, sync: { rounds: 0 } })
    const metrics = await (await fetch(`${api.url}/metrics`)).text()
    expect(metrics).toMatch(/^welkin_mesh_peers 0$/m)
    expect(metrics).toMatch(/^# TYPE welkin_mesh_gossip_messages_total counter$/m)
  })

  it('writes and reads public souls, with slashes and odd characters in the id', async () => {
    const soul = 'posts/../2024 héllo?#'
    expect(await client.put(soul, { title: 'Hi', n: 2.5, ok: true, link: { '#': 'other' } })).toMatchObject({
      applied: ['title', 'n', 'ok', 'link'],
    })
    const view = await client.get(soul)
    expect(view?.data).toEqual({ title: 'Hi', n: 2.5, ok: true, link: { '#': 'other' } })
    expect(Object.keys(view?.state ?? {})).toHaveLength(4)
    expect(await client.get('nobody')).toBeNull()
  })

  it('answers bad requests with {error, message} and a 4xx', async () => {
    expect(await call('PUT', '/v1/graph/a', '{nope')).toMatchObject({
      status: 400,
      json: { error: 'InvalidRequest' },
    })
    expect(await call('PUT', '/v1/graph/a', '[1]')).toMatchObject({ status: 400 })
    expect(await call('PUT', '/v1/graph/a', '{"x": {"y": 1}}')).toMatchObject({
      status: 400,
      json: { error: 'InvalidValue' },
    })
    expect(await call('PUT', '/v1/graph/a', JSON.stringify({ x: 'y'.repeat(5000) }))).toMatchObject({
      status: 413,
      json: { error: 'PayloadTooLarge' },
    })
    expect(await call('GET', '/v1/graph/%E0%A4%A')).toMatchObject({ status: 400 })
    expect(await call('DELETE', '/v1/graph/a')).toMatchObject({
      status: 405,
      json: { error: 'MethodNotAllowed' },
    })
    expect(await call('GET', '/v2/nothing')).toMatchObject({ status: 404, json: { error: 'NotFound' } })
    expect(node.graph.has('a')).toBe(false)
  })

  it('takes signed writes to user space and refuses forged or unsigned ones', async () => {
    const keyPath = join(dir, 'key.json')
    const key = await writeKeyFile(keyPath)
    const owner = await readKeyFile(keyPath)
    expect(owner.did()).toBe(key.did())
    const soul = userSoul(owner.did(), 'profile')
    await client.put(soul, { name: 'Ann' }, owner)
    expect((await client.get(soul))?.data).toEqual({ name: 'Ann' })
    // A later write lands above the states already there.
    await client.put(soul, { name: 'Ann B.' }, owner)
    expect((await client.get(soul))?.data).toEqual({ name: 'Ann B.' })

    const thief = await Secp256k1Keypair.create()
    await expect(client.put(soul, { name: 'Mallory' }, thief)).rejects.toMatchObject({
      status: 403,
      code: 'SignatureRejected',
    })
    await expect(client.put(soul, { name: 'Mallory' })).rejects.toThrow(MeshApiError)
    expect(await call('PUT', `/v1/graph/${encodeURIComponent(soul)}`, '{"name": "Mallory"}')).toMatchObject({
      status: 400,
    })
    const state = stateFromWall(Date.now())
    const sig = base64Encode(await thief.sign(signingPayload(soul, 'name', 'Mallory', state)))
    const forged = JSON.stringify({ state, props: { name: 'Mallory' }, sigs: { name: sig } })
    expect(await call('PUT', `/v1/graph/${encodeURIComponent(soul)}`, forged)).toMatchObject({
      status: 403,
      json: { error: 'SignatureRejected', rejected: [{ prop: 'name', code: 'signature-invalid' }] },
    })
    expect((await client.get(soul))?.data).toEqual({ name: 'Ann B.' })
    expect(node.counters.rejected.api).toBe(2)
  })

  it('streams changes to a soul as Server-Sent Events', async () => {
    const events: string[] = []
    const req = request(`${api.url}/v1/events?soul=watched`)
    const opened = new Promise<void>((resolve) =>
      req.on('response', (res) => {
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => events.push(chunk))
        resolve()
      }),
    )
    req.end()
    await opened
    await client.put('unwatched', { x: 1 })
    await client.put('watched', { x: 2 })
    for (let i = 0; i < 100 && !events.join('').includes('"watched"'); i++)
      await new Promise((r) => setTimeout(r, 10))
    req.destroy()
    const text = events.join('')
    expect(text).toMatch(
      /event: put\nid: \d+\ndata: \{"soul":"watched","prop":"x","value":2,"state":\d+\}\n\n/,
    )
    expect(text).not.toContain('unwatched')
  })
})
