-- POSTs an export per request with the token in $TOKEN; reports like bench/lib/wrk-report.lua.
wrk.method = "POST"
wrk.body = '{"export":{"format":"json"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token " .. os.getenv("TOKEN")
dofile(os.getenv("BENCH_LIB") .. "/wrk-report.lua")
