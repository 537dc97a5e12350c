// Headless Chromium for the browser tests, with nothing taken from the system: the build that
// the @sparticuz/chromium package ships inside its npm tarball (brotli-compressed, linux-x64),
// unpacked once per version into node_modules/.cache with the NSS libraries it links against, and
// the DejaVu fonts of the dejavu-fonts-ttf package (the ones Debian installs by default). No system
// browser, library or font is looked for, so pages render the same with or without them.
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the package keeps its compressed files, and its version. */
function packaged(): { bin: string; version: string } {
  // The package's entry point is build/index.js; its compressed files are in bin/ beside it.
  const dir = path.resolve(
    path.dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')),
    '..',
  );
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { bin: path.join(dir, 'bin'), version };
}

/**
 * Writes the regular files and folders of a tar archive (ustar or pax) under `into`. Other kinds
 * of entry are refused, as is a name that would land outside `into`.
 */
async function untar(archive: Buffer, into: string): Promise<void> {
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const mode = parseInt(field(100, 8).trim() || '644', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix === '' ? field(0, 100) : `${prefix}/${field(0, 100)}`);
    const body = archive.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    paxPath = undefined;
    if (type === 'g') continue;
    const target = path.resolve(into, name);
    if (target !== into && !target.startsWith(into + path.sep)) {
      throw new Error(`The archive names a path outside its folder: ${name}`);
    }
    if (type === '5') {
      await mkdir(target, { recursive: true });
    } else if (type === '0') {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, body, { mode });
    } else {
      throw new Error(`The archive holds an entry of type ${JSON.stringify(type)} (${name})`);
    }
  }
}

/** Where a package is installed. */
const packageDir = (name: string): string =>
  path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

/**
 * The fontconfig configuration: the DejaVu fonts only. As in Debian's defaults, a name asked for
 * that is no generic family gets `sans-serif` after it, and each generic family (with the
 * `system-ui` and `ui-monospace` keywords) is mapped to a DejaVu face.
 */
const fontsConf = (dir: string): string => {
  const alias = (family: string, font: string): string =>
    `  <alias binding="same"><family>${family}</family><prefer><family>${font}</family></prefer></alias>`;
  const generic = ['sans-serif', 'serif', 'monospace'];
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${path.join(packageDir('dejavu-fonts-ttf'), 'ttf')}</dir>
  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>
  <match target="pattern">
${generic.map((g) => `    <test qual="all" name="family" compare="not_eq"><string>${g}</string></test>`).join('\n')}
    <edit name="family" mode="append_last"><string>sans-serif</string></edit>
  </match>
${alias('sans-serif', 'DejaVu Sans')}
${alias('system-ui', 'DejaVu Sans')}
${alias('serif', 'DejaVu Serif')}
${alias('monospace', 'DejaVu Sans Mono')}
${alias('ui-monospace', 'DejaVu Sans Mono')}
</fontconfig>
`;
};

/**
 * Unpacks the packaged Chromium (once per version) and returns its folder: `chromium` and `lib/`
 * (NSS, NSPR, expat). Concurrent runs each unpack into a folder of
 * their own and the first rename wins.
 */
async function unpacked(): Promise<string> {
  const { bin, version } = packaged();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `The browser tests run the Chromium of @sparticuz/chromium ${version}, built for linux-x64 only (this is ${process.platform}-${process.arch}).`,
    );
  }
  const dir = path.join(root, 'node_modules/.cache/mcp-actors-chromium', version);
  if (existsSync(path.join(dir, 'chromium'))) return dir;
  const scratch = `${dir}.${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await mkdir(scratch, { recursive: true });
  try {
    await pipeline(
      createReadStream(path.join(bin, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(path.join(scratch, 'chromium'), { mode: 0o755 }),
    );
    await untar(brotliDecompressSync(readFileSync(path.join(bin, 'al2023.tar.br'))), scratch);
    try {
      await rename(scratch, dir);
    } catch (error) {
      // Another run unpacked the same version first: use its copy.
      if (!existsSync(path.join(dir, 'chromium'))) throw error;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Launches the packaged Chromium headless, with its own libraries and fonts. The network flags
 * keep it from reaching out (updates, safe browsing, metrics) on a machine without a network.
 */
export async function launchChromium(): Promise<Browser> {
  const dir = await unpacked();
  // Written at each launch (the configuration is the code's, not the package's), by rename so that
  // a browser starting meanwhile reads a whole file.
  const conf = path.join(dir, 'fonts.conf');
  const written = `${conf}.${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await writeFile(written, fontsConf(dir));
  await rename(written, conf);
  return chromium.launch({
    executablePath: path.join(dir, 'chromium'),
    env: {
      ...process.env,
      LD_LIBRARY_PATH: [path.join(dir, 'lib'), process.env['LD_LIBRARY_PATH']]
        .filter((p) => p !== undefined && p !== '')
        .join(':'),
      FONTCONFIG_FILE: conf,
    },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
}
