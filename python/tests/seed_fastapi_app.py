"""The seed's FastAPI example, verbatim but for the import, plus the endpoints the
tests call."""

from fastapi import FastAPI
from corsair_cors.starlette import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://yourdomain.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["*"],
)


@app.get("/items")
def list_items() -> list:
    return [{"id": 1}]


@app.put("/items/{item_id}")
def put_item(item_id: int) -> dict:
    return {"id": item_id}


@app.options("/items")
def items_options() -> dict:
    return {"options": "answered by the application"}


@app.get("/boom")
def boom() -> dict:
    raise RuntimeError("the endpoint failed")
