# The server's dependency build for Python functions, run as the handler of a build
# sandbox (src/dependencies/dependency-builder.ts) by the runtime's own interpreter: pip from
# the sandbox image installs /var/task/requirements.txt into a scratch folder, which is
# packed as a tar.gz the control plane then reads back in pieces (an invocation's
# answer is at most 6 MB). Standard library only.
import base64
import os
import shutil
import subprocess
import sys
import tarfile
import time

SCRATCH = '/tmp/skyscale-build'
OUT = SCRATCH + '/out'
ARCHIVE = SCRATCH + '/deps.tar.gz'
LOG_TAIL = 64 * 1024


def handler(event, context):
    if event.get('step') == 'read':
        with open(ARCHIVE, 'rb') as f:
            f.seek(int(event['offset']))
            return base64.b64encode(f.read(int(event['length']))).decode('ascii')
    return install(event, context)


def install(event, context):
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(OUT)
    cmd = [sys.executable, '-m', 'pip', 'install', '--no-cache-dir', '--disable-pip-version-check',
           '--no-input', '--progress-bar', 'off', '--no-compile', '--target', OUT, '-r', '/var/task/requirements.txt']
    if event.get('indexUrl'):
        cmd += ['--index-url', event['indexUrl']]
    extra_ca = '/var/task/skyscale-ca.pem'
    if os.path.exists(extra_ca):
        # the image's CAs and the server's extra ones (a TLS-inspecting proxy's, a private index's)
        bundle = SCRATCH + '/ca.pem'
        with open(bundle, 'wb') as out:
            for part in ('/etc/ssl/certs/ca-certificates.crt', extra_ca):
                if os.path.exists(part):
                    with open(part, 'rb') as f:
                        out.write(f.read() + b'\n')
        cmd += ['--cert', bundle]
    # leave time to pack the result before the invocation's own deadline
    budget = max(1.0, context.get_remaining_time_in_millis() / 1000.0 - 5.0)
    started = time.monotonic()
    said = '$ pip install --target <package> -r requirements.txt\n'
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=budget, env=dict(os.environ, HOME='/tmp'))
    except subprocess.TimeoutExpired as e:
        out = said + (e.stdout or b'').decode('utf-8', 'replace')
        print(out[-LOG_TAIL:], flush=True)
        return {'ok': False, 'timedOut': True, 'log': out[-LOG_TAIL:], 'seconds': round(time.monotonic() - started, 1)}
    out = said + done.stdout.decode('utf-8', 'replace')
    print(out[-LOG_TAIL:], flush=True)
    if done.returncode != 0:
        return {'ok': False, 'exitCode': done.returncode, 'log': out[-LOG_TAIL:]}
    size = tree_bytes(OUT)
    if size > int(event['maxBytes']):
        return {'ok': False, 'tooLarge': True, 'bytes': size, 'log': out[-LOG_TAIL:]}
    with tarfile.open(ARCHIVE, 'w:gz', compresslevel=6) as tar:
        for name in sorted(os.listdir(OUT)):
            tar.add(os.path.join(OUT, name), arcname=name)
    shutil.rmtree(OUT, ignore_errors=True)
    return {'ok': True, 'bytes': size, 'archiveBytes': os.path.getsize(ARCHIVE), 'log': out[-LOG_TAIL:]}


def tree_bytes(root):
    total = 0
    for folder, _dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(folder, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total
