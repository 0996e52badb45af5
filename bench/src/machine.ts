/** What a results file records about where it was measured. */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { arch, cpus, freemem, loadavg, platform, totalmem } from 'node:os'
import { join } from 'node:path'

/** Machine, runtime and source version of a run. */
export interface MachineInfo {
  readonly date: string
  readonly platform: string
  readonly arch: string
  readonly cores: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly freeMemoryGiB: number
  /** 1-minute load average at the start (a loaded machine reads lower figures). */
  readonly loadAvg1: number
  readonly node: string
  readonly gitCommit: string
  /** Whether the working tree had uncommitted changes. */
  readonly gitDirty: boolean
  /** name → version of every workspace package. */
  readonly packages: Readonly<Record<string, string>>
}

/** Collects the machine info; `root` is the repository root. */
export function machineInfo(root: string): MachineInfo {
  const c = cpus()
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim()
    } catch {
      return undefined
    }
  }
  const packages: Record<string, string> = {}
  for (const dir of ['packages', 'examples']) {
    let names: string[] = []
    try {
      names = readdirSync(join(root, dir))
    } catch {
      continue
    }
    for (const name of names) {
      try {
        const pkg = JSON.parse(readFileSync(join(root, dir, name, 'package.json'), 'utf8')) as {
          name: string
          version: string
        }
        packages[pkg.name] = pkg.version
      } catch {
        // Not a package folder.
      }
    }
  }
  const status = git(['status', '--porcelain'])
  return {
    date: new Date().toISOString(),
    platform: platform(),
    arch: arch(),
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAvg1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
    gitCommit: git(['rev-parse', 'HEAD']) ?? 'unknown',
    gitDirty: status !== undefined && status !== '',
    packages,
  }
}

/** One line naming the machine, for tables and the README. */
export function machineLine(m: MachineInfo): string {
  return `${m.cores}-core ${m.arch} (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node.replace(/^v/, '')}, load ${m.loadAvg1} at start, commit ${m.gitCommit.slice(0, 10)}${m.gitDirty ? ' (dirty)' : ''}`
}
