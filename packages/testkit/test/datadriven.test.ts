import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  dataDrivenBool,
  dataDrivenNumber,
  parseDataDriven,
  parseDataDrivenArgs,
  runDataDrivenFile,
} from '../src/index.js'

const script = ['# header', '', 'add a=1 b=2', '----', '3', '', 'add a=2 b=2', '----', '5', ''].join('\n')
let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

const runner = () => (command: string) => {
  const [, ...parts] = command.split(' ')
  const a = parseDataDrivenArgs(parts)
  return String(dataDrivenNumber(a, 'a') + dataDrivenNumber(a, 'b'))
}

describe('datadriven scripts', () => {
  it('parses the header and cases with their lines', () => {
    const { header, cases } = parseDataDriven(script)
    expect(header).toBe('# header\n')
    expect(cases).toEqual([
      { command: 'add a=1 b=2', expected: '3', line: 3 },
      { command: 'add a=2 b=2', expected: '5', line: 7 },
    ])
    expect(() => parseDataDriven('cmd\nno separator')).toThrow('command without ---- separator')
  })

  it('reads arguments with fallbacks', () => {
    const a = parseDataDrivenArgs(['n=4', 'flag'])
    expect(dataDrivenNumber(a, 'n')).toBe(4)
    expect(dataDrivenNumber(a, 'm', 7)).toBe(7)
    expect(() => dataDrivenNumber(a, 'm')).toThrow('missing argument m')
    expect(dataDrivenBool(a, 'flag', false)).toBe(true)
    expect(dataDrivenBool(a, 'other', true)).toBe(true)
  })

  it('reports mismatches, and rewrites the file on request', () => {
    dir = mkdtempSync(join(tmpdir(), 'datadriven-'))
    const path = join(dir, 'add.txt')
    writeFileSync(path, script)
    const mismatches = runDataDrivenFile(path, runner())
    expect(mismatches).toEqual([{ command: 'add a=2 b=2', expected: '5', line: 7, actual: '4' }])
    expect(runDataDrivenFile(path, runner(), { rewrite: true })).toEqual([])
    expect(readFileSync(path, 'utf8')).toBe('# header\n\nadd a=1 b=2\n----\n3\n\nadd a=2 b=2\n----\n4\n')
    expect(runDataDrivenFile(path, runner())).toEqual([])
  })
})
