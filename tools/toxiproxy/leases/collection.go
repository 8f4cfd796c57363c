package leases

import (
	"context"
	"errors"
	"time"

	"github.com/Shopify/toxiproxy/v2"
)

// CollectionTarget acts on a running server's proxies through Toxiproxy's own collection, the
// same calls its API handlers make (DELETE .../toxics/{toxic}, and enabling a proxy).
func CollectionTarget(collection *toxiproxy.ProxyCollection) Target {
	return collectionTarget{collection}
}

type collectionTarget struct{ collection *toxiproxy.ProxyCollection }

func (c collectionTarget) HasProxy(proxy string) bool {
	_, err := c.collection.Get(proxy)
	return err == nil
}

func (c collectionTarget) RemoveToxic(proxy, toxic string) (bool, error) {
	p, err := c.collection.Get(proxy)
	if err != nil {
		return false, ErrProxyGone
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = p.Toxics.RemoveToxic(ctx, toxic)
	if errors.Is(err, toxiproxy.ErrToxicNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (c collectionTarget) EnableProxy(proxy string) (bool, error) {
	p, err := c.collection.Get(proxy)
	if err != nil {
		return false, ErrProxyGone
	}
	err = p.Start()
	if errors.Is(err, toxiproxy.ErrProxyAlreadyStarted) {
		return false, nil
	}
	return err == nil, err
}
