// Progress on stderr: a bar redrawn in place on a terminal, a few plain lines otherwise (logs,
// CI), so stdout keeps only the report.

export interface Progress {
  update(done: number, total: number, label: string): void
  end(): void
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true
  let lastQuarter = -1
  let drawn = false
  return {
    update(done, total, label) {
      if (tty) {
        const width = 30
        const filled = total === 0 ? width : Math.round((done / total) * width)
        stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`)
        drawn = true
        return
      }
      const quarter = total === 0 ? 4 : Math.floor((done / total) * 4)
      if (quarter !== lastQuarter) {
        stream.write(`${label}: ${done}/${total}\n`)
        lastQuarter = quarter
      }
    },
    end() {
      if (tty && drawn) stream.write('\n')
      drawn = false
      lastQuarter = -1
    },
  }
}
