#!/usr/bin/env python3
"""Trims botocore's cognito-idp service model to what the reference's model-walk test reads:
every operation's input shape and the shapes reachable from it (type, members, required, list
member, map key and value, enum, min, max), without documentation.

The output, `harness/tests/data/cognito-idp-inputs.json`, records the botocore version it came
from. Regenerate it from a botocore wheel (`pip download botocore==VERSION --no-deps`):

    unzip -o botocore-VERSION-py3-none-any.whl 'botocore/data/cognito-idp/*' -d /tmp/bc
    python3 scripts/trim-service-model.py /tmp/bc/botocore/data/cognito-idp/2016-04-18/service-2.json.gz \
        --version VERSION --wheel-sha256 SHA256
"""
import argparse, gzip, json, os

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
OUT = os.path.join(ROOT, 'harness', 'tests', 'data', 'cognito-idp-inputs.json')
KEPT = ('type', 'required', 'enum', 'min', 'max')


def trim(shape):
    out = {k: shape[k] for k in KEPT if k in shape}
    if 'members' in shape:
        out['members'] = {name: m['shape'] for name, m in shape['members'].items()}
    for key in ('member', 'key', 'value'):
        if key in shape:
            out[key] = shape[key]['shape']
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('model')
    parser.add_argument('--version', required=True)
    parser.add_argument('--wheel-sha256', required=True)
    args = parser.parse_args()
    opener = gzip.open if args.model.endswith('.gz') else open
    with opener(args.model, 'rt', encoding='utf-8') as f:
        model = json.load(f)
    shapes = model['shapes']
    operations, kept, todo = {}, {}, []
    for name, op in sorted(model['operations'].items()):
        if 'input' in op:
            operations[name] = op['input']['shape']
            todo.append(op['input']['shape'])
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept[name] = trim(shapes[name])
        todo.extend(kept[name].get('members', {}).values())
        todo.extend(kept[name][k] for k in ('member', 'key', 'value') if k in kept[name])
    doc = {
        'source': {
            'package': 'botocore',
            'version': args.version,
            'wheel_sha256': args.wheel_sha256,
            'file': 'botocore/data/cognito-idp/2016-04-18/service-2.json',
            'api_version': model['metadata']['apiVersion'],
            'generator': 'scripts/trim-service-model.py',
        },
        'operations': operations,
        'shapes': dict(sorted(kept.items())),
    }
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write('\n')
    print(f'{OUT}: {len(operations)} operations, {len(kept)} shapes')


if __name__ == '__main__':
    main()
