// A tiny authoritative DNS server over UDP on loopback, for tests: answers A and TXT queries
// from an in-memory zone (RFC 1035 section 4 message format), NXDOMAIN for unknown names. It
// lets resolver tests use node:dns for real instead of mocking it. Not part of the public API.
import { createSocket, type Socket } from 'node:dgram'
import type { AddressInfo } from 'node:net'

export interface ZoneRecord {
  a?: string[]
  txt?: string[][]
}

const TYPE_A = 1
const TYPE_TXT = 16

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = []
  let i = offset
  while (msg[i] !== 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('ascii'))
    i += msg[i] + 1
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 }
}

function answer(type: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12)
  head.writeUInt16BE(0xc00c, 0) // pointer to the question's name
  head.writeUInt16BE(type, 2)
  head.writeUInt16BE(1, 4) // IN
  head.writeUInt32BE(60, 6)
  head.writeUInt16BE(rdata.length, 10)
  return Buffer.concat([head, rdata])
}

function respond(query: Buffer, zone: Map<string, ZoneRecord>): Buffer {
  const { name, end } = readName(query, 12)
  const qtype = query.readUInt16BE(end)
  const question = query.subarray(12, end + 4)
  const record = zone.get(name)
  const answers: Buffer[] = []
  if (record && qtype === TYPE_A) {
    for (const ip of record.a ?? []) answers.push(answer(TYPE_A, Buffer.from(ip.split('.').map(Number))))
  }
  if (record && qtype === TYPE_TXT) {
    for (const strings of record.txt ?? []) {
      const parts = strings.map((s) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]))
      answers.push(answer(TYPE_TXT, Buffer.concat(parts)))
    }
  }
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2)
  header.writeUInt16BE(record ? 0x8580 : 0x8583, 2) // response, authoritative; NXDOMAIN when unknown
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(answers.length, 6)
  return Buffer.concat([header, question, ...answers])
}

export interface DnsTestServer {
  /** 'ip:port' for Resolver#setServers. */
  readonly address: string
  readonly zone: Map<string, ZoneRecord>
  close(): Promise<void>
}

export async function startDnsTestServer(zone: Record<string, ZoneRecord> = {}): Promise<DnsTestServer> {
  const records = new Map(Object.entries(zone))
  const socket: Socket = createSocket('udp4')
  socket.on('message', (msg, peer) => {
    try {
      socket.send(respond(msg, records), peer.port, peer.address)
    } catch {
      // A malformed query gets no answer, as from a real server.
    }
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address() as AddressInfo
  return {
    address: `127.0.0.1:${port}`,
    zone: records,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  }
}
