import http from 'node:http';

const server = http.createServer((req, res) => {
  if (req.url === '/health') return res.end('ok');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ hello: 'from the api', mongo: process.env.MONGO_URL }));
});
server.listen(3000);
