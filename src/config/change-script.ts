/**
 * One config change as one Lua script: Redis runs it atomically, so two users changing the same
 * project and environment at once each get their own revision and neither write is lost.
 *
 * KEYS[1] — the config hash of one project and environment: `head` (latest revision number) and
 *           `r<N>` (revision N as JSON: rev, by, at, op, changed, revertedTo?, entries).
 * ARGV    — op (set | unset | revert), payload JSON, who, when (ms), and the head revision the
 *           change was approved on ('' when it applies on top of whatever is there).
 * Returns {status, detail}: ok + new revision; unchanged + head; missing + revision;
 * secret + key (a plain value may not replace a secret without saying so); moved + head (the
 * head is not the expected one: an approved change never lands on a state nobody saw).
 */
export const CHANGE_SCRIPT = `
local key = KEYS[1]
local op, payload, by, at = ARGV[1], cjson.decode(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local head = tonumber(redis.call('HGET', key, 'head') or '0')
if ARGV[5] ~= nil and ARGV[5] ~= '' and tonumber(ARGV[5]) ~= head then return {'moved', tostring(head)} end
local current = {}
if head > 0 then current = cjson.decode(redis.call('HGET', key, 'r' .. head)).entries end
local function same(a, b)
  return a ~= nil and b ~= nil and a.v == b.v and (a.s == true) == (b.s == true)
end
local entries, changed, revertedTo = {}, {}, nil
for k, e in pairs(current) do entries[k] = e end
if op == 'set' then
  for k, e in pairs(payload.entries) do
    if current[k] and current[k].s == true and e.s ~= true then return {'secret', k} end
    if not same(current[k], e) then table.insert(changed, k) end
    entries[k] = e
  end
elseif op == 'unset' then
  for _, k in ipairs(payload.keys) do
    if current[k] then
      entries[k] = nil
      table.insert(changed, k)
    end
  end
elseif op == 'revert' then
  local target = payload.revision
  local old = {}
  if target > 0 then
    local raw = redis.call('HGET', key, 'r' .. target)
    if not raw then return {'missing', tostring(target)} end
    old = cjson.decode(raw).entries
  end
  for k, e in pairs(old) do
    if not same(current[k], e) then table.insert(changed, k) end
  end
  for k, _ in pairs(current) do
    if old[k] == nil then table.insert(changed, k) end
  end
  entries = old
  revertedTo = target
else
  return redis.error_reply('unknown config operation')
end
if #changed == 0 then return {'unchanged', tostring(head)} end
table.sort(changed)
local rev = head + 1
local record = {rev = rev, by = by, at = at, op = op, changed = changed, entries = entries, revertedTo = revertedTo}
redis.call('HSET', key, 'r' .. rev, cjson.encode(record), 'head', tostring(rev))
return {'ok', tostring(rev)}
`;
